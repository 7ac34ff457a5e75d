export { apiKeyAgent, apiKeyChange, auditedApiKey } from './api-key-audit.js';
export { apiKeyMigrations } from './api-key-migrations.js';
export type { ApiKeyChangeHook, ApiKeyInfo, ApiKeyRequest } from './api-keys.js';
export { API_KEY_PREFIX, API_KEY_RECHECK_MS, ApiKeyRequestError, ApiKeys, apiKeyRequestSchema } from './api-keys.js';
export type { AuthConfig, JwtAlgorithm, JwtConfig, RoleDefinition } from './auth-config.js';
export {
  authConfigSchema,
  JWT_ALGORITHMS,
  jwtConfigSchema,
  resourceRuleSchema,
  roleCompartmentSchema,
  roleDefinitionSchema,
  roleNameSchema,
} from './auth-config.js';
export type { AuthenticationFailure } from './authentication-error.js';
export { AuthenticationError, AuthenticationUnavailableError } from './authentication-error.js';
export type { Authenticator } from './authenticator.js';
export { createAuthenticator } from './authenticator.js';
export { BOOTSTRAP_KEY_ENV, ensureBootstrapKey } from './bootstrap-key.js';
export type { BuiltInRoleName } from './built-in-roles.js';
export { builtInRoles } from './built-in-roles.js';
export type { Grant, ResolvedRole } from './effective-policy.js';
export { effectiveGrant } from './effective-policy.js';
export { AuthConfigError } from './jwt-verifier.js';
export type { Principal } from './principal.js';
export { allowsOperation } from './principal.js';
export type { CompartmentSources } from './role-catalogue.js';
export { RoleCatalogue } from './role-catalogue.js';
export type { ParsedScopes, SmartScope } from './smart-scopes.js';
export { parseSmartScopes } from './smart-scopes.js';
