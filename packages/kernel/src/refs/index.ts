export type { InitDeps, ResolvedDep, ResolvedDeps, ServiceDeps } from './deps.js';
export type { Cardinality, Extension, ExtensionPoint } from './extension-point.js';
export { createExtensionPoint, isExtensionPoint } from './extension-point.js';
export type { ServiceContext, ServiceFactory } from './service-factory.js';
export { createServiceFactory } from './service-factory.js';
export type { OptionalServiceRef, ServiceRef, ServiceRefOptions, ServiceScope } from './service-ref.js';
export { createServiceRef, isOptionalServiceRef, isServiceRef, optional } from './service-ref.js';
