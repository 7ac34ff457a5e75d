import type { FastifyRequest } from 'fastify';

/** What a write answers with (the `Prefer: return=` header): the resource, nothing, or an OperationOutcome. */
export type PreferReturn = 'representation' | 'minimal' | 'OperationOutcome';

/** The `return` preference of the request; `representation` when none (or an unknown one) is given. */
export function preferReturn(request: FastifyRequest): PreferReturn {
  const header = request.headers.prefer;
  const values = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of values.split(/[,;]/)) {
    const match = /^\s*return\s*=\s*"?([A-Za-z]+)"?\s*$/.exec(part);
    if (match?.[1] === 'minimal' || match?.[1] === 'OperationOutcome' || match?.[1] === 'representation') {
      return match[1];
    }
  }
  return 'representation';
}
