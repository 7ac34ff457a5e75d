import type { ResourceRule } from '@mekong/store';
import type { RoleDefinition } from './auth-config.js';
import { AuthenticationError } from './authentication-error.js';
import { builtInRoles } from './built-in-roles.js';
import type { ResolvedRole } from './effective-policy.js';

/** Where compartments come from for one principal. */
export interface CompartmentSources {
  /** The principal's own patient(s): SMART `patient`, a `fhirUser` Patient, an API key's compartment. */
  readonly patientContext?: readonly string[];
  /** A token claim by name (undefined for API keys). */
  claim?(name: string): unknown;
}

/** The roles a deployment knows: the built-in ones, added to or replaced by `auth.roles`. */
export class RoleCatalogue {
  private readonly roles: ReadonlyMap<string, RoleDefinition>;

  constructor(configured: Readonly<Record<string, RoleDefinition>> = {}) {
    this.roles = new Map(Object.entries({ ...builtInRoles, ...configured }));
  }

  /** The names of every known role. */
  names(): string[] {
    return [...this.roles.keys()];
  }

  /**
   * The known roles among `names`, compartments resolved. Unknown names are ignored (an identity provider
   * sends roles meant for other applications). A known role whose compartment cannot be determined refuses
   * the credential: granting it unbounded would be wrong, dropping it silently would hide the mistake.
   */
  resolve(names: readonly string[], sources: CompartmentSources): ResolvedRole[] {
    const resolved: ResolvedRole[] = [];
    for (const name of new Set(names)) {
      const role = this.roles.get(name);
      if (!role) continue;
      const compartment = compartmentOf(name, role, sources);
      resolved.push({
        name,
        admin: role.admin,
        rules: role.rules.map(toRule),
        operations: role.operations,
        ...(compartment ? { compartment } : {}),
      });
    }
    return resolved;
  }
}

function toRule(rule: RoleDefinition['rules'][number]): ResourceRule {
  return {
    type: rule.type,
    interactions: rule.interactions,
    ...(rule.hiddenFields ? { hiddenFields: rule.hiddenFields } : {}),
    ...(rule.readonlyFields ? { readonlyFields: rule.readonlyFields } : {}),
  };
}

function compartmentOf(name: string, role: RoleDefinition, sources: CompartmentSources): string[] | undefined {
  const spec = role.compartment;
  if (spec === undefined) return undefined;
  if (spec === 'patient-context') {
    if (sources.patientContext === undefined) {
      throw new AuthenticationError(
        'context',
        `role '${name}' sees only its holder's own record, but the credential names no patient`,
        'issue the token with a patient context (SMART "patient" claim, or a fhirUser that is a Patient), or create the API key with a compartment',
      );
    }
    return [...sources.patientContext];
  }
  if ('patients' in spec) return [...spec.patients];
  const value = sources.claim?.(spec.claim);
  if (value === undefined) {
    throw new AuthenticationError(
      'context',
      `role '${name}' sees the patients listed in the claim '${spec.claim}', but the credential has no such claim`,
      `have the identity provider add '${spec.claim}' (patient ids) to the token, or do not grant '${name}' to this caller`,
    );
  }
  return patientReferences(value, `claim '${spec.claim}'`);
}

/**
 * `Patient/id` references from a claim value: one id or reference, or a list of them (ids, `Patient/id`, or
 * absolute URLs ending in `Patient/id`). Refuses anything else.
 */
export function patientReferences(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const reference = typeof item === 'string' ? toPatientReference(item) : undefined;
    if (!reference) {
      throw new AuthenticationError(
        'claims',
        `${where} holds ${JSON.stringify(item)}, which is not a patient id or Patient/id reference`,
        'have the identity provider put patient ids (or Patient/id) in the claim',
      );
    }
    return reference;
  });
}

function toPatientReference(text: string): string | undefined {
  const match = /^(?:(?:https?:\/\/\S+\/)?Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(text);
  return match ? `Patient/${match[1]}` : undefined;
}
