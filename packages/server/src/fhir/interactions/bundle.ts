import { HttpError } from '../../http/http-error.js';
import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { withAbsoluteLinks } from '../links.js';

/**
 * transaction and batch: `POST [base]` with a Bundle. A transaction is all or nothing. Bundles with more
 * entries than the server accepts are refused (413) before anything runs.
 */
export function bundle(deps: FhirDeps) {
  return async ({ store, request }: FhirCall): Promise<FhirResult> => {
    const body = request.body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
    if (body === null || typeof body !== 'object' || body.resourceType !== 'Bundle') {
      throw new HttpError({
        status: 400,
        message: 'the base URL takes a Bundle of type transaction or batch',
        hint: 'post a Bundle, or post a resource to /fhir/R4/<type>',
        expression: ['Bundle'],
      });
    }
    const entries = Array.isArray(body.entry) ? body.entry.length : 0;
    if (entries > deps.limits.maxBundleEntries) {
      throw new HttpError({
        status: 413,
        message: `the Bundle has ${entries} entries; this server takes at most ${deps.limits.maxBundleEntries}`,
        hint: 'split it into several Bundles (a batch can be split freely; a transaction only where all-or-nothing allows)',
        expression: ['Bundle.entry'],
      });
    }
    const response = await store.bundle(body);
    return { status: 200, resource: withAbsoluteLinks(response, deps.links) };
  };
}
