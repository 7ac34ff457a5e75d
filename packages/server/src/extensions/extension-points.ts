import { createExtensionPoint } from '@mekong/kernel';
import type { FhirOperation } from './operation-types.js';
import type { ServerRoute } from './route-types.js';

/**
 * Plugins contribute HTTP routes here (each plugin a list). Mounted under the prefixes the plugin declares in
 * `capabilities.routes`, answered only while the plugin is started, and listed in the OpenAPI document and
 * the CapabilityStatement.
 */
export const serverRoutesExtensionPoint = createExtensionPoint<readonly ServerRoute[]>({
  id: 'server.routes',
  cardinality: 'multiple',
});

/**
 * Plugins contribute FHIR operations here (each plugin a list): mounted under `/fhir/R4`, answered only while
 * the plugin is started, and listed in the CapabilityStatement and the OpenAPI document.
 */
export const fhirOperationsExtensionPoint = createExtensionPoint<readonly FhirOperation[]>({
  id: 'server.fhirOperations',
  cardinality: 'multiple',
});
