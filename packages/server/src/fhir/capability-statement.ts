import {
  type CapabilityStatement,
  type CapabilityStatementRestResource,
  type CapabilityStatementRestResourceOperation,
  resourceTypes,
} from '@mekong/fhir';
import { auditSearchParameters, supportedSearchParameters } from '@mekong/store';
import type { MountedOperation } from '../extensions/mount-operations.js';
import type { MountedRoute } from '../extensions/mount-routes.js';
import type { Links } from './links.js';

/** What the CapabilityStatement describes beside the store's resource types and search parameters. */
export interface CapabilityInput {
  readonly links: Links;
  readonly version: string;
  /** Operations of started plugins. */
  readonly operations: readonly MountedOperation[];
  /** Plugin routes of started plugins. */
  readonly routes: readonly MountedRoute[];
  readonly corsOrigins: readonly string[];
  /** When the server started: the statement's date. */
  readonly date: string;
}

/** The extension that lists a plugin's HTTP route in the CapabilityStatement. */
export const ROUTE_EXTENSION_URL = 'urn:mekong:fhir:extension:plugin-route';

const INSTANCE_AND_TYPE = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
] as const;

function operationEntry(operation: MountedOperation): CapabilityStatementRestResourceOperation {
  return {
    name: operation.code,
    definition: `urn:mekong:operation:${operation.pluginId}:${operation.code}`,
    documentation: `${operation.summary ?? `$${operation.code}`} (${operation.level} level; plugin ${operation.pluginId}${operation.affectsState ? '; changes data, POST only' : ''})`,
  };
}

/**
 * The audit trail: read by id and searched by its own parameters (those the audit search answers, not the FHIR
 * definitions'), never written through the API.
 */
function auditEventEntry(): CapabilityStatementRestResource {
  return {
    type: 'AuditEvent',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: auditSearchParameters.map(({ name, type, documentation }) => ({ name, type, documentation })),
    documentation:
      'The audit trail, read-only: an AuditEvent for every store access, FHIR operation call, failed login, call to a restricted function and API key issued or revoked. Searched by the parameters listed here only (any other is a 400); _count (1 to 1000, default 20) and _sort (-date, the default, or date) shape a page, and its next link leads to the following one.',
  };
}

function resourceEntry(type: string, operations: readonly MountedOperation[]): CapabilityStatementRestResource {
  if (type === 'AuditEvent') return auditEventEntry();
  const typeOperations = operations.filter((operation) => operation.resourceType === type).map(operationEntry);
  const searchParam = [
    { name: '_id', type: 'token' as const },
    { name: '_lastUpdated', type: 'date' as const },
    ...supportedSearchParameters(type).map((parameter) => ({ name: parameter.code, type: parameter.type })),
  ];
  return {
    type: type as NonNullable<CapabilityStatementRestResource['type']>,
    interaction: INSTANCE_AND_TYPE.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'not-supported',
    conditionalRead: 'not-match',
    searchParam,
    ...(typeOperations.length > 0 ? { operation: typeOperations } : {}),
  };
}

/**
 * The CapabilityStatement of this server as it runs: every resource type the store takes with the search
 * parameters it answers, the interactions the REST API serves, and the operations and routes of the plugins
 * that are started.
 */
export function capabilityStatement(input: CapabilityInput): CapabilityStatement {
  const fhirBase = input.links.fhirBase();
  const systemOperations = input.operations.filter((operation) => operation.level === 'system').map(operationEntry);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: input.date,
    kind: 'instance',
    software: { name: 'Mekong', version: input.version },
    implementation: { description: 'Mekong FHIR R4 server', url: fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    ...(input.routes.length > 0
      ? {
          extension: input.routes.map((route) => ({
            url: ROUTE_EXTENSION_URL,
            extension: [
              { url: 'method', valueCode: route.method },
              { url: 'path', valueString: route.path },
              { url: 'plugin', valueString: route.pluginId },
              ...(route.summary ? [{ url: 'summary', valueString: route.summary }] : []),
            ],
          })),
        }
      : {}),
    rest: [
      {
        mode: 'server',
        security: {
          cors: input.corsOrigins.length > 0,
          description: 'Every request but /metadata needs Authorization: Bearer <access token or API key>',
        },
        resource: resourceTypes.map((type) => resourceEntry(type, input.operations)),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        ...(systemOperations.length > 0 ? { operation: systemOperations } : {}),
      },
    ],
  };
}
