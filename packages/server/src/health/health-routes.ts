import type { PluginStatusService } from '@mekong/kernel';
import { DatabaseUnavailableError, type StoreAccess } from '@mekong/store';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerAudit } from '../audit/server-audit.js';
import { enforceRequirements } from '../extensions/requirements.js';
import { HttpError } from '../http/http-error.js';

/** Paths answered without authentication. */
export const PUBLIC_HEALTH_PATHS = ['/healthz', '/readyz'] as const;

const PING_TIMEOUT_MS = 2000;

async function databaseProblem(access: StoreAccess): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      access.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return undefined;
  } catch (error) {
    // The store's error says what a request should do; readiness needs only what went wrong.
    const cause = error instanceof DatabaseUnavailableError ? error.cause : error;
    return `the database (${access.backend}) is not reachable: ${cause instanceof Error ? cause.message : String(cause)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` (the process answers), `/readyz` (every plugin started and the database reachable: 200, or 503
 * with the reasons) and `/admin/plugins` (the boot report, administrators only; each call is audited, refused,
 * read or failed).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { readonly access: StoreAccess; readonly status: PluginStatusService; readonly audit: ServerAudit },
): void {
  const tags = ['Operations'];
  app.get('/healthz', { schema: { tags, summary: 'Liveness: the process answers' } }, () => ({ status: 'alive' }));

  app.get(
    '/readyz',
    { schema: { tags, summary: 'Readiness: every plugin started and the database reachable' } },
    async (_request, reply: FastifyReply) => {
      const reasons: string[] = [];
      const report = deps.status.report();
      if (!report) reasons.push('the host is still starting');
      for (const plugin of report?.plugins ?? []) {
        if (plugin.status !== 'started') {
          reasons.push(`plugin '${plugin.id}' is ${plugin.status}${plugin.reason ? `: ${plugin.reason}` : ''}`);
        }
      }
      const database = await databaseProblem(deps.access);
      if (database) reasons.push(database);
      return reply
        .code(reasons.length === 0 ? 200 : 503)
        .send({ status: reasons.length === 0 ? 'ready' : 'not ready', reasons });
    },
  );

  app.get(
    '/admin/plugins',
    {
      schema: {
        tags,
        summary: 'The boot report: each plugin, its status and timings (administrators only)',
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const principal = await enforceRequirements(deps.audit, request, { admin: true }, 'the boot report');
      // It names every plugin and what it may reach: reading it is recorded, as its refusal is.
      return deps.audit.restrictedFunction(request, principal, async () => {
        const report = deps.status.report();
        if (!report)
          throw new HttpError({
            status: 503,
            message: 'the host is still starting',
            hint: 'retry in a moment',
            headers: { 'retry-after': '1' },
          });
        return report;
      });
    },
  );
}
