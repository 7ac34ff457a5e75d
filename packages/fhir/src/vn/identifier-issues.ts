import type { ValidationIssue } from '../validation/validate.js';
import { parseCitizenId } from './citizen-id.js';
import { parseInsuranceCard } from './insurance-card.js';
import { vnNamingSystems } from './naming-systems.js';

const checks: Record<string, (value: string) => { ok: boolean; reason?: string }> = {
  [vnNamingSystems.citizenId]: parseCitizenId,
  [vnNamingSystems.nationalId]: parseCitizenId,
  [vnNamingSystems.insuranceNumber]: (value) => parseInsuranceCard(value),
};

/**
 * Checks every Identifier in a resource (at any depth, contained resources included) whose system is a
 * Vietnamese citizen ID, personal identification number or insurance card, and reports malformed values with
 * their path. Run it after `validateResource`.
 */
export function vietnamIdentifierIssues(resource: { resourceType: string }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${path}[${i}]`);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const { system, value } = node as { system?: unknown; value?: unknown };
    const check = typeof system === 'string' ? checks[system] : undefined;
    if (check && typeof value === 'string') {
      const result = check(value);
      if (!result.ok) issues.push({ path: `${path}.value`, message: `${result.reason} (${system})` });
    }
    for (const [key, child] of Object.entries(node)) {
      if (typeof child === 'object' && child !== null) visit(child, `${path}.${key}`);
    }
  };
  visit(resource, resource.resourceType);
  return issues;
}
