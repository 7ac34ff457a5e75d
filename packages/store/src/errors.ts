import type { OperationOutcome, ValidationIssue } from '@mekong/fhir';

/** A FHIR issue type (`OperationOutcome.issue.code`). */
export type IssueType = OperationOutcome['issue'][number]['code'];

/** Base class of store errors: a stable `code`, the HTTP status a server should answer with, and a hint. */
export class StoreError extends Error {
  readonly code: string;
  readonly status: number;
  readonly hint: string;
  /** The FHIR issue type of the refusal when the status alone does not say it (`too-costly` for a 400). */
  readonly issueType?: IssueType;

  constructor(options: {
    code: string;
    status: number;
    message: string;
    hint: string;
    issueType?: IssueType;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.hint = options.hint;
    if (options.issueType) this.issueType = options.issueType;
  }
}

/** The resource failed validation; nothing was written. */
export class InvalidResourceError extends StoreError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super({
      code: 'RESOURCE_INVALID',
      status: 400,
      message: `invalid resource, nothing was written:\n${issues.map((i) => `  - ${i.path || '<root>'}: ${i.message}`).join('\n')}`,
      hint: 'correct the elements listed and send the resource again',
    });
    this.issues = issues;
  }
}

/** No resource with that type and id (or version). */
export class ResourceNotFoundError extends StoreError {
  constructor(reference: string) {
    super({
      code: 'RESOURCE_NOT_FOUND',
      status: 404,
      message: `${reference} does not exist`,
      hint: 'check the type and id',
    });
  }
}

/** The resource existed and was deleted; its history remains. */
export class ResourceDeletedError extends StoreError {
  constructor(
    reference: string,
    readonly versionId: string,
  ) {
    super({
      code: 'RESOURCE_DELETED',
      status: 410,
      message: `${reference} was deleted (version ${versionId})`,
      hint: 'read its history for earlier versions, or update it to bring it back',
    });
  }
}

/** An update named a version that is no longer the current one: someone else changed the resource first. */
export class VersionConflictError extends StoreError {
  constructor(reference: string, expected: string, current: string) {
    super({
      code: 'VERSION_CONFLICT',
      status: 412,
      message: `${reference} is at version ${current}, not ${expected}: it was changed since you read it`,
      hint: 'read the current version, apply your change to it, and update with its version',
    });
  }
}
