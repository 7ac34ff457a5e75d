import { createServiceRef } from '@mekong/kernel';
import type { FastifyInstance } from 'fastify';
import type { ApiKeys } from '../auth/index.js';

/** The running server, for tests, tools and the CLI. */
export interface ServerService {
  /** The Fastify instance: `app.inject()` serves a request without a socket. */
  readonly app: FastifyInstance;
  /** The URL the server listens on (`http://127.0.0.1:8080`), or its configured base URL before it listens. */
  readonly url: string;
  /** The deployment's API keys: create, list and revoke them (the CLI, tests). */
  readonly apiKeys: ApiKeys;
  /**
   * The administrator API key generated on this, the deployment's first, start, for the operator to see once;
   * undefined on every later start and when `bootstrapApiKey` was given.
   */
  readonly bootstrapKey: string | undefined;
}

/** The server plugin's root service: `host.get(serverServiceRef)` in a started host. */
export const serverServiceRef = createServiceRef<ServerService>({ id: 'server.http', scope: 'root' });
