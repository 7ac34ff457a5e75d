import type { AccessPolicy, Agent } from '@mekong/store';

/**
 * Who made a request and what it may do: the result of authentication. The store enforces `policy` (and audits
 * under `agent`); the server checks `operations` before running a FHIR operation.
 */
export interface Principal {
  readonly agent: Agent;
  /** The OAuth client the user acts through (`azp` or `client_id`), when a token names one. */
  readonly client?: string;
  /** What the store lets this principal do: the roles' rules narrowed by the token's SMART scopes. */
  readonly policy: AccessPolicy;
  /** Holds an administrator role with nothing narrowing it (no scope, no compartment): may manage the server. */
  readonly admin: boolean;
  /** The token's scopes as sent (empty for API keys). */
  readonly scopes: readonly string[];
  /** The known roles granted (unknown role names are dropped). */
  readonly roles: readonly string[];
  /** Names of the FHIR operations the roles allow (`$everything`), or `*` for every operation. */
  readonly operations: readonly string[];
  /** Requests per rate-limit window its credential allows (an API key issued with a limit of its own). */
  readonly rateLimit?: number;
}

/** Whether the principal may invoke the operation `name` (`$everything` or `everything`). */
export function allowsOperation(principal: Pick<Principal, 'operations'>, name: string): boolean {
  const wanted = name.startsWith('$') ? name : `$${name}`;
  return principal.operations.some((allowed) => allowed === '*' || allowed === wanted);
}
