import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerAudit } from '../audit/server-audit.js';
import {
  type ApiKeyInfo,
  ApiKeyRequestError,
  type ApiKeys,
  apiKeyAgent,
  apiKeyRequestSchema,
  type Principal,
} from '../auth/index.js';
import { enforceRequirements } from '../extensions/requirements.js';

const createBody = apiKeyRequestSchema.extend({ expiresAt: z.iso.datetime({ offset: true }).optional() });
// Key ids are UUIDs: anything else sent as one is not recorded (it may be a key pasted by mistake).
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requireAdmin(audit: ServerAudit, request: FastifyRequest): Promise<Principal> {
  return enforceRequirements(audit, request, { admin: true }, 'managing API keys');
}

const described = (info: ApiKeyInfo) => ({
  id: info.id,
  name: info.name,
  roles: info.roles,
  ...(info.compartment ? { compartment: info.compartment } : {}),
  createdAt: info.createdAt.toISOString(),
  ...(info.expiresAt ? { expiresAt: info.expiresAt.toISOString() } : {}),
  ...(info.revokedAt ? { revokedAt: info.revokedAt.toISOString() } : {}),
  ...(info.rateLimit !== undefined ? { rateLimit: info.rateLimit } : {}),
});

/**
 * `/admin/api-keys` (administrators only): issue a key (`POST`, the key is in the answer once), list keys
 * (never the keys themselves), revoke one (`DELETE /admin/api-keys/:id`). Each call is audited once: an issue
 * or revocation with the key (id, name, roles; never the key) in the transaction that makes it, or as failed;
 * a listing as a restricted function used; a refusal to anyone but an administrator as one refused.
 */
export function registerApiKeyRoutes(app: FastifyInstance, keys: ApiKeys, audit: ServerAudit): void {
  const tags = ['Administration'];
  const security = [{ bearer: [] }];
  app.post(
    '/admin/api-keys',
    { schema: { tags, security, summary: 'Issue an API key (shown once)', body: z.toJSONSchema(createBody) } },
    async (request, reply) => {
      const principal = await requireAdmin(audit, request);
      return audit.credentialChange(request, principal, 'credential-issued', async (change) => {
        const parsed = createBody.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new ApiKeyRequestError(
            `${issue?.path.join('.') || 'body'}: ${issue?.message}`,
            'send {"name": "...", "roles": ["clinician"], "compartment"?: ["Patient/id"], "expiresAt"?: "2027-01-01T00:00:00Z", "rateLimit"?: 20000}',
          );
        }
        const { expiresAt, ...rest } = parsed.data;
        const wanted = {
          name: rest.name,
          roles: rest.roles,
          ...(rest.compartment ? { compartment: rest.compartment } : {}),
          ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}),
          ...(rest.rateLimit !== undefined ? { rateLimit: rest.rateLimit } : {}),
        };
        change.attempted = wanted;
        const created = await keys.create(wanted, change.record);
        return reply.code(201).send({
          id: created.id,
          name: rest.name,
          roles: rest.roles,
          ...(rest.compartment ? { compartment: rest.compartment } : {}),
          ...(expiresAt ? { expiresAt } : {}),
          ...(rest.rateLimit !== undefined ? { rateLimit: rest.rateLimit } : {}),
          key: created.key,
          note: 'the key is shown this once; only its hash is kept',
        });
      });
    },
  );
  app.get(
    '/admin/api-keys',
    { schema: { tags, security, summary: 'List API keys (without the keys)' } },
    async (request) => {
      const principal = await requireAdmin(audit, request);
      return audit.restrictedFunction(
        request,
        principal,
        async () => ({ keys: (await keys.list()).map(described) }),
        (listed) => `${listed.keys.length} API key(s) listed, with their names and roles`,
      );
    },
  );
  app.delete(
    '/admin/api-keys/:id',
    { schema: { tags, security, summary: 'Revoke an API key' } },
    async (request, reply) => {
      const principal = await requireAdmin(audit, request);
      const { id } = request.params as { id: string };
      const known = KEY_ID.test(id);
      return audit.credentialChange(
        request,
        principal,
        'credential-revoked',
        async (change) => {
          if (known) change.attempted = { agent: apiKeyAgent({ id }) };
          await keys.revoke(id, change.record);
          return reply.code(204).send();
        },
        known ? {} : { secret: id },
      );
    },
  );
}
