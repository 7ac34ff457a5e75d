import type { ScopedStore } from '@mekong/store';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.js';
import { HttpError } from './http-error.js';

// Request state lives beside the request, not on it: no global type augmentation of Fastify's types.
const principals = new WeakMap<FastifyRequest, Principal>();

/** Records who made the request (set by the authentication hook). */
export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/** The authenticated caller, or undefined on public endpoints. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/** The authenticated caller; a 401 when there is none (a public route calling it is a bug). */
export function requirePrincipal(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) {
    throw new HttpError({
      status: 401,
      message: 'this endpoint requires authentication',
      hint: 'send Authorization: Bearer <token or API key>',
    });
  }
  return principal;
}

/** What every handler works with: the caller and a store acting for it. */
export interface CallerContext {
  readonly principal: Principal;
  readonly store: ScopedStore;
}
