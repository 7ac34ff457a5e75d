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
