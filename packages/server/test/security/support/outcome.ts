import { expect } from 'vitest';
import type { Answer } from './security-host.js';

/** What must never appear in an answer: stack frames, file paths, module folders, SQL. */
export const LEAKS: readonly RegExp[] = [
  /^\s*at \S+/m, // a stack frame on its own line
  /\bat [^\s()]+ \([^)]*:\d+:\d+\)/, // "at fn (file:line:column)"
  /\bat (file|node):/,
  /node_modules/,
  /\/(work|home|root|usr|tmp|opt)\//,
  /[\w-]+\.(ts|js|mjs|cjs):\d+/,
  /\bsyntax error at or near\b/i,
  /\bselect\b[^"]{0,80}\bfrom\b/i,
  /\bmekong_(resource|audit|api_key|outbox|migration)/,
];

/** The leaks found in a text (empty when clean). */
export function leaksIn(text: string): string[] {
  return LEAKS.filter((pattern) => pattern.test(text)).map((pattern) => `${pattern} in ${text.slice(0, 300)}`);
}

/**
 * Whether an error answer is what every error must be: a FHIR OperationOutcome as application/fhir+json with
 * at least one issue that has a severity, a code and diagnostics, and nothing internal in it.
 */
export function outcomeProblems(answer: Answer): string[] {
  const problems: string[] = [];
  const type = answer.headers['content-type'] ?? '';
  if (!type.startsWith('application/fhir+json')) problems.push(`content-type is '${type}'`);
  let body: { resourceType?: unknown; issue?: unknown } | undefined;
  try {
    body = JSON.parse(answer.text);
  } catch {
    problems.push(`body is not JSON: ${answer.text.slice(0, 200)}`);
  }
  if (body) {
    if (body.resourceType !== 'OperationOutcome') problems.push(`resourceType is ${String(body.resourceType)}`);
    const issues = Array.isArray(body.issue) ? (body.issue as Record<string, unknown>[]) : [];
    if (issues.length === 0) problems.push('no issue');
    for (const issue of issues) {
      if (!['fatal', 'error', 'warning', 'information'].includes(String(issue.severity)))
        problems.push(`issue severity ${String(issue.severity)}`);
      if (typeof issue.code !== 'string' || issue.code === '') problems.push('issue without a code');
      if (typeof issue.diagnostics !== 'string' || issue.diagnostics === '') problems.push('issue without diagnostics');
    }
  }
  problems.push(...leaksIn(answer.text));
  return problems;
}

/** Asserts an error answer with this status is a clean OperationOutcome. */
export function expectOutcome(answer: Answer, status: number): void {
  expect({ status: answer.status, text: answer.text.slice(0, 500) }).toMatchObject({ status });
  expect(outcomeProblems(answer)).toEqual([]);
}
