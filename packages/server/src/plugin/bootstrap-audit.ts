import type { StoreAccess } from '@mekong/store';
import { type ApiKeyChangeHook, apiKeyChange, auditedApiKey } from '../auth/index.js';

/**
 * Records the first administrator key, issued by the server itself on a deployment's first start, in the
 * transaction that creates it: the most powerful key is issued on the record like any other. The agent is the
 * server plugin; no one called.
 */
export function bootstrapKeyAudit(access: Pick<StoreAccess, 'audit'>, fromEnvironment: boolean): ApiKeyChangeHook {
  return (key, tx) =>
    access.audit(
      {
        ...apiKeyChange('credential-issued', auditedApiKey(key)),
        context: { agent: { kind: 'plugin', id: 'server' } },
        name: 'first start: the administrator key',
        outcome: 'success',
        detail: fromEnvironment
          ? 'the first administrator key, the one given in MEKONG_BOOTSTRAP_API_KEY'
          : 'the first administrator key, generated and shown once',
      },
      { transaction: tx },
    );
}
