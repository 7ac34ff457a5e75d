/** Codes of the problems pre-flight can report. */
export type PreflightProblemCode =
  | 'DUPLICATE_PLUGIN_ID'
  | 'KERNEL_VERSION_UNSATISFIED'
  | 'MISSING_DEPENDENCY'
  | 'DEPENDENCY_VERSION_MISMATCH'
  | 'DEPENDENCY_CYCLE'
  | 'ROUTE_PREFIX_INVALID'
  | 'ROUTE_PREFIX_CONFLICT'
  | 'INVALID_CONFIG'
  | 'REGISTER_FAILED'
  | 'ID_NOT_OWNER_PREFIXED'
  | 'SERVICE_REF_DUPLICATE_ID'
  | 'EXTENSION_POINT_DUPLICATE_ID'
  | 'EXTENSION_POINT_DUPLICATE_OWNER'
  | 'EXTENSION_POINT_UNKNOWN'
  | 'EXTENSION_POINT_NOT_A_DEPENDENCY'
  | 'EXTENSION_POINT_CONFLICT'
  | 'EXTENSION_POINT_MISSING'
  | 'SERVICE_NOT_PROVIDED'
  | 'SERVICE_DUPLICATE_PROVIDER'
  | 'SERVICE_NOT_A_DEPENDENCY'
  | 'SERVICE_SCOPE_MISMATCH';

/**
 * One problem found by pre-flight. Pre-flight collects every problem before reporting, so a deployment
 * with five mistakes hears about all five at once.
 */
export interface PreflightProblem {
  readonly code: PreflightProblemCode;
  /** The plugin the problem is about (for config problems, the plugin whose config is wrong). */
  readonly pluginId: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
  /** The config path, for `INVALID_CONFIG` (for example `plugins.triage.threshold`). */
  readonly path?: string;
}

/** Renders problems one per line, each with its hint. */
export function formatProblems(problems: readonly PreflightProblem[]): string {
  return problems.map((p) => `  - [${p.code}] ${p.pluginId}: ${p.message}\n    hint: ${p.hint}`).join('\n');
}
