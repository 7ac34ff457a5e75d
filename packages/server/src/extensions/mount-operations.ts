import { resourceTypes } from '@mekong/fhir';
import type { Extension } from '@mekong/kernel';
import { MekongError } from '@mekong/kernel';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyBaseLogger as Logger } from 'fastify';
import type { AuditedOperation } from '../audit/server-audit.js';
import { allowsOperation } from '../auth/index.js';
import { sendFhir } from '../fhir/fhir-handler.js';
import { idParam, queryOf } from '../fhir/fhir-params.js';
import { FHIR_PATH } from '../fhir/links.js';
import { responseMediaType } from '../fhir/media-type.js';
import { storeFor } from '../http/caller-store.js';
import { HttpError } from '../http/http-error.js';
import { requirePrincipal } from '../http/request-context.js';
import { jsonSchemaOf } from '../openapi/json-schema.js';
import type { MountDeps } from './mount-routes.js';
import { inputFromParameters, inputFromQuery } from './operation-input.js';
import type { FhirOperation, OperationLevel, OperationResult } from './operation-types.js';
import { checkPluginStarted } from './plugin-gate.js';
import { checkRequirements } from './requirements.js';
import { validateInput } from './validate-input.js';

/** An operation as mounted, for the CapabilityStatement. */
export interface MountedOperation {
  readonly pluginId: string;
  /** The code without `$`. */
  readonly code: string;
  readonly level: OperationLevel;
  readonly resourceType?: string;
  readonly affectsState: boolean;
  readonly summary?: string;
}

const CODE = /^[a-z][A-Za-z0-9-]{0,63}$/;
const TYPES: ReadonlySet<string> = new Set(resourceTypes);

function invalid(pluginId: string, operation: FhirOperation, problem: string, hint: string): MekongError {
  return new MekongError({
    code: 'SERVER_OPERATION_INVALID',
    pluginId,
    message: `contributes the operation '${operation.name}', which ${problem}`,
    hint,
  });
}

function checkOperation(pluginId: string, operation: FhirOperation): string {
  const code = operation.name.replace(/^\$/, '');
  if (!CODE.test(code)) {
    throw invalid(
      pluginId,
      operation,
      'is not a valid operation code',
      'use a code such as "everything" or "$validate-claim"',
    );
  }
  if (operation.levels.length === 0) {
    throw invalid(pluginId, operation, 'names no level', "give levels: ['system'], ['type'] and/or ['instance']");
  }
  const needsTypes = operation.levels.some((level) => level !== 'system');
  const types = operation.resourceTypes ?? [];
  if (needsTypes && types.length === 0) {
    throw invalid(
      pluginId,
      operation,
      'is at type or instance level but names no resource type',
      "list them in resourceTypes, such as ['Patient']",
    );
  }
  const unknown = types.find((type) => !TYPES.has(type));
  if (unknown !== undefined) {
    throw invalid(
      pluginId,
      operation,
      `names '${unknown}', which is not a FHIR R4 resource type`,
      'check the spelling and case',
    );
  }
  return code;
}

function urlOf(level: OperationLevel, code: string, type?: string): string {
  if (level === 'system') return `${FHIR_PATH}/$${code}`;
  return level === 'type' ? `${FHIR_PATH}/${type}/$${code}` : `${FHIR_PATH}/${type}/:id/$${code}`;
}

function isResource(result: OperationResult): result is Extract<OperationResult, { resourceType: string }> {
  return typeof (result as { resourceType?: unknown }).resourceType === 'string';
}

/**
 * Mounts the FHIR operations plugins contributed, at each level and resource type they name: POST with a
 * Parameters body, and GET with query parameters when the operation does not affect state. Each answers only
 * while its plugin is started and only for callers whose roles allow the operation. Each call records one
 * AuditEvent of its own, whatever its outcome.
 */
export function mountOperations(
  app: FastifyInstance,
  contributions: readonly Extension<readonly FhirOperation[]>[],
  deps: MountDeps,
): MountedOperation[] {
  const mounted: MountedOperation[] = [];
  const owners = new Map<string, string>();
  for (const { pluginId, value: operations } of contributions) {
    const grant = deps.status.manifest(pluginId)?.capabilities.resources ?? { read: [], write: [] };
    for (const operation of operations) {
      const code = checkOperation(pluginId, operation);
      const affectsState = operation.affectsState ?? false;
      const targets = operation.levels.flatMap((level): { level: OperationLevel; type?: string }[] =>
        level === 'system' ? [{ level }] : (operation.resourceTypes ?? []).map((type) => ({ level, type })),
      );
      for (const { level, type } of targets) {
        const url = urlOf(level, code, type);
        const owner = owners.get(url);
        if (owner !== undefined) {
          throw new MekongError({
            code: 'SERVER_OPERATION_DUPLICATE',
            pluginId,
            message: `contributes $${code} at ${url}, which plugin '${owner}' already provides`,
            hint: 'two plugins cannot provide the same operation on the same type: disable one, or rename one',
          });
        }
        owners.set(url, pluginId);
        const what = `the operation $${code}`;
        const audited = (id: string | undefined): AuditedOperation => ({
          code,
          pluginId,
          level,
          ...(type ? { resourceType: type } : {}),
          ...(id !== undefined ? { id } : {}),
        });
        app.route({
          method: affectsState ? ['POST'] : ['GET', 'POST'],
          url,
          schema: {
            tags: ['FHIR operations'],
            summary: operation.summary ?? `$${code}${type ? ` on ${type}` : ''}`,
            ...(operation.description ? { description: operation.description } : {}),
            ...(level === 'instance'
              ? { params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }
              : {}),
            ...(operation.parameters && !affectsState ? { querystring: jsonSchemaOf(operation.parameters) } : {}),
            security: [{ bearer: [] }],
          },
          handler: async (request: FastifyRequest, reply: FastifyReply) => {
            const principal = requirePrincipal(request);
            const id = (request.params as { id?: string }).id;
            // One AuditEvent for the call, refused and failed ones too; its store calls are audited by the store.
            const { mediaType, ...answer } = await deps.audit.operation(request, principal, audited(id), async () => {
              checkPluginStarted(deps.status, pluginId, what);
              const mediaType = responseMediaType(request);
              if (!allowsOperation(principal, code)) {
                throw new HttpError({
                  status: 403,
                  message: `${principal.agent.kind} '${principal.agent.id}' may not invoke $${code}: none of its roles allows it`,
                  hint: `ask an administrator for a role that lists '$${code}' in its operations`,
                });
              }
              checkRequirements(principal, operation.requires, what);
              const instance = level === 'instance' ? idParam(type ?? '', id) : undefined;
              const raw =
                request.method === 'GET'
                  ? inputFromQuery(queryOf(request), operation.parameters)
                  : inputFromParameters(request.body, operation.parameters);
              const params = validateInput(operation.parameters, raw, 'Parameters', (path) =>
                path.length === 0
                  ? 'Parameters'
                  : `Parameters.parameter.where(name = '${String(path[0])}')${path
                      .slice(1)
                      .map((p) => `.${String(p)}`)
                      .join('')}`,
              );
              const result = await operation.handler({
                params,
                level,
                ...(type ? { resourceType: type } : {}),
                ...(instance ? { id: instance } : {}),
                principal,
                store: storeFor(deps.access, request, principal, { id: pluginId, grant }),
                log: request.log as Logger,
                fhirBase: deps.links.fhirBase(),
              });
              return { ...(isResource(result) ? { status: 200, resource: result } : result), mediaType };
            });
            return sendFhir(request, reply, answer, mediaType);
          },
        });
        if (affectsState) {
          app.route({
            method: 'GET',
            url,
            schema: { hide: true },
            handler: (request: FastifyRequest) => {
              const id = (request.params as { id?: string }).id;
              return deps.audit.operation(request, requirePrincipal(request), audited(id), async () => {
                throw new HttpError({
                  status: 405,
                  message: `$${code} changes data: it is invoked with POST only`,
                  hint: 'POST a Parameters resource',
                  headers: { allow: 'POST' },
                });
              });
            },
          });
        }
        mounted.push({
          pluginId,
          code,
          level,
          ...(type ? { resourceType: type } : {}),
          affectsState,
          ...(operation.summary ? { summary: operation.summary } : {}),
        });
      }
    }
  }
  return mounted;
}
