/** Who is acting: a user, a system with an API key, or plugin code running on its own. */
export interface Agent {
  readonly kind: 'user' | 'system' | 'plugin';
  /** A stable identifier: user id, client id, or plugin id. */
  readonly id: string;
  readonly display?: string;
}

/** The context of a store call: recorded in the audit trail with every access. */
export interface AccessContext {
  readonly agent: Agent;
  /** The plugin whose code makes the call. */
  readonly plugin?: string;
  /** The OAuth client or API key name the request came through, when there is one. */
  readonly client?: string;
  /** The network address of the request, when there is one. */
  readonly address?: string;
}

/** The resource types a handle may read and write. Nothing else is allowed. */
export interface ResourceGrant {
  readonly read: readonly string[];
  readonly write: readonly string[];
}
