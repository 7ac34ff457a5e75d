import type { z } from 'zod';
import { type ResourceType, resourceSchemas, resourceTypes } from '../generated/resource-types.js';
import type { OperationOutcome } from '../generated/resources/OperationOutcome.js';
import type { AnyResource } from '../model/any-resource.js';
import { compileValidator } from './compiled-validator.js';

/** One reason a resource was rejected, at a FHIRPath-style location such as `Patient.name[0].given[1]`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The outcome of validating a resource. */
export type ValidationResult<T> =
  | { readonly ok: true; readonly resource: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** The resource type named by a type name, or any supported resource. */
export type ResourceOf<T extends ResourceType | undefined> = T extends ResourceType
  ? Extract<AnyResource, { resourceType: T }>
  : AnyResource;

/**
 * Validates JSON as a FHIR R4 resource: primitive formats, required elements, cardinality, choice types,
 * unknown elements, contained resources, narrative safety. With `expectedType`, a different `resourceType`
 * is an issue too. Returns the resource (the input itself: validation changes nothing) or its issues, each with
 * its path: every one up to {@link MAX_VALIDATION_ISSUES}, then one that counts the rest.
 */
export function validateResource<T extends ResourceType | undefined = undefined>(
  input: unknown,
  expectedType?: T,
): ValidationResult<ResourceOf<T>> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail('', 'must be a JSON object with a resourceType');
  }
  const resourceType = (input as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string') return fail('resourceType', 'is required and must be a string');
  if (expectedType !== undefined && resourceType !== expectedType) {
    return fail('resourceType', `must be '${expectedType}' here, found '${resourceType}'`);
  }
  const schema = (resourceSchemas as Record<string, z.ZodType>)[resourceType];
  if (!schema) {
    return fail('resourceType', `'${resourceType}' is not supported; supported types: ${resourceTypes.join(', ')}`);
  }
  // The compiled validator answers yes or no fast; zod, the source of truth, explains a no.
  if (compileValidator(schema)(input)) return { ok: true, resource: input as ResourceOf<T> };
  const result = explain(schema, input);
  if (result.success) return { ok: true, resource: result.data as ResourceOf<T> };
  return { ok: false, issues: atMost(MAX_VALIDATION_ISSUES, resourceType, toIssues(resourceType, result.error)) };
}

/** The most issues a validation reports; past them, one more issue says how many were left out. */
export const MAX_VALIDATION_ISSUES = 100;

// zod's parser takes abortEarly, but its public ParseContext type does not declare it.
const ABORT_EARLY = { abortEarly: true } as z.core.ParseContext<z.core.$ZodIssue>;

function explain(schema: z.ZodType, input: unknown) {
  try {
    return schema.safeParse(input);
  } catch (error) {
    // zod gathers an array's issues with push(...issues): 200,000 bad items overflow the stack. Stopping at
    // the first issue of each array reports fewer, but reports.
    if (!(error instanceof RangeError)) throw error;
    return schema.safeParse(input, ABORT_EARLY);
  }
}

function atMost(max: number, root: string, issues: ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= max) return issues;
  const more = issues.length - max;
  const message = `and ${more.toLocaleString('en')} more issue${more === 1 ? '' : 's'} not listed: correct these and validate again to see the rest`;
  return [...issues.slice(0, max), { path: root, message }];
}

function fail(path: string, message: string): { ok: false; issues: ValidationIssue[] } {
  return { ok: false, issues: [{ path, message }] };
}

/** Renders zod issues as FHIRPath-style locations, expanding unknown keys to one issue each. */
function toIssues(root: string, error: z.ZodError): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: fhirPath(root, [...path, key]), message: 'is not a known element' });
      return;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && !issue.message.startsWith('resourceType')) {
      // A contained resource: report the issues of the branch its resourceType chose.
      for (const branch of issue.errors) for (const inner of branch) visit(inner, path);
      return;
    }
    issues.push({ path: fhirPath(root, path), message: issue.message });
  };
  for (const issue of error.issues) visit(issue, []);
  return issues;
}

function fhirPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  return out;
}

/** Thrown by {@link parseResource}; carries every issue and renders them as an OperationOutcome. */
export class FhirValidationError extends Error {
  readonly code = 'FHIR_VALIDATION_FAILED';
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(`invalid FHIR resource:\n${issues.map((i) => `  - ${i.path || '<root>'}: ${i.message}`).join('\n')}`);
    this.name = 'FhirValidationError';
    this.issues = issues;
  }

  /** The issues as a FHIR OperationOutcome, one `invalid` issue per problem with its expression. */
  toOperationOutcome(): OperationOutcome {
    return toOperationOutcome(this.issues);
  }
}

/** Like {@link validateResource}, but returns the resource or throws a {@link FhirValidationError}. */
export function parseResource<T extends ResourceType | undefined = undefined>(
  input: unknown,
  expectedType?: T,
): ResourceOf<T> {
  const result = validateResource(input, expectedType);
  if (!result.ok) throw new FhirValidationError(result.issues);
  return result.resource;
}

/** Renders validation issues as an OperationOutcome. */
export function toOperationOutcome(issues: readonly ValidationIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: `${issue.path || '<root>'}: ${issue.message}`,
      ...(issue.path ? { expression: [issue.path] } : {}),
    })),
  };
}
