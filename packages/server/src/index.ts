/**
 * The Mekong HTTP server: the FHIR R4 REST API, the routes and FHIR operations plugins contribute, the OpenAPI
 * reference, health endpoints, authentication and request limits, as a kernel plugin.
 *
 * @packageDocumentation
 */
export type { BuildServerOptions } from './app/build-server.js';
export { buildServer, isPublicPath } from './app/build-server.js';
export * from './auth/index.js';
export { fhirOperationsExtensionPoint, serverRoutesExtensionPoint } from './extensions/extension-points.js';
export type { MountedOperation } from './extensions/mount-operations.js';
export type { MountedRoute } from './extensions/mount-routes.js';
export { RESERVED_PREFIXES } from './extensions/mount-routes.js';
export type { FhirOperation, OperationContext, OperationLevel, OperationResult } from './extensions/operation-types.js';
export { defineOperation } from './extensions/operation-types.js';
export type {
  ParsedInput,
  RouteContext,
  RouteMethod,
  RouteRequirements,
  RouteResponse,
  RouteSchemas,
  ServerRoute,
} from './extensions/route-types.js';
export { defineRoute, routeResponse } from './extensions/route-types.js';
export { ROUTE_EXTENSION_URL } from './fhir/capability-statement.js';
export { FHIR_PATH } from './fhir/links.js';
export type { HttpErrorOptions, IssueType } from './http/http-error.js';
export { HttpError } from './http/http-error.js';
export type { ServerConfig, ServerConfigInput, ServerLimits } from './plugin/server-config.js';
export { serverConfigSchema, serverLimitsSchema } from './plugin/server-config.js';
export { serverPlugin } from './plugin/server-plugin.js';
export type { ServerService } from './plugin/server-service.js';
export { serverServiceRef } from './plugin/server-service.js';
export { SERVER_VERSION } from './version.js';
