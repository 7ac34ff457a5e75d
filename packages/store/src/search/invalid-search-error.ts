import { StoreError } from '../errors.js';

/** A search the store cannot run as asked; the message names the parameter. */
export class InvalidSearchError extends StoreError {
  constructor(
    readonly parameter: string,
    message: string,
    hint: string,
  ) {
    super({ code: 'SEARCH_INVALID', status: 400, message: `search parameter '${parameter}': ${message}`, hint });
  }
}

/**
 * A sorted search that matches more resources than the store sorts at once (`maxSortedMatches` of
 * `ResourceSearchOptions`); refused before the work is done, so that one search cannot hold the database (and,
 * on PGlite, the whole process) for long.
 */
export class SearchTooCostlyError extends StoreError {
  readonly parameter = '_sort';

  constructor(type: string, sort: string, maxSortedMatches: number) {
    super({
      code: 'SEARCH_TOO_COSTLY',
      status: 400,
      issueType: 'too-costly',
      message: `search parameter '_sort': ${type} sorted by '${sort}' matches more than ${maxSortedMatches} resources, more than the store sorts at once`,
      hint: 'narrow the search (by patient, code or a date range, for example), or sort by _lastUpdated or _id, which need no limit; the limit is plugins.store.maxSortedMatches',
    });
  }
}
