export {
  HostBootError,
  HostStateError,
  PluginDefinitionError,
  PluginTimeoutError,
  PreflightError,
  ServiceUnavailableError,
} from './errors.js';
export { MekongError } from './mekong-error.js';
export type { PreflightProblem, PreflightProblemCode } from './preflight-problem.js';
export { formatProblems } from './preflight-problem.js';
