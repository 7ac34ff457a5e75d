import type { OperationOutcome } from '@mekong/fhir';
import type { IssueType } from './http-error.js';

/** One issue of an OperationOutcome, as the server builds them. */
export interface OutcomeIssue {
  readonly severity?: 'fatal' | 'error' | 'warning' | 'information';
  readonly code: IssueType;
  readonly diagnostics: string;
  readonly expression?: readonly string[];
}

/** Builds an OperationOutcome from issues (severity `error` unless given). */
export function operationOutcome(issues: readonly OutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity: issue.severity ?? 'error',
      code: issue.code,
      diagnostics: issue.diagnostics,
      ...(issue.expression && issue.expression.length > 0 ? { expression: [...issue.expression] } : {}),
    })),
  };
}

/** A message and its hint as one diagnostics text. */
export function diagnosticsOf(message: string, hint: string | undefined): string {
  return hint ? `${message}. ${hint}` : message;
}
