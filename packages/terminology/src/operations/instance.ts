import { HttpError } from '@mekong/server';
import type { TerminologyService } from '../service/types.js';

/** The canonical URL and version of the code system or value set an instance-level call names by id. */
export function instanceTarget(
  terminology: TerminologyService,
  resourceType: string | undefined,
  id: string | undefined,
): { url: string; version: string } | undefined {
  if (id === undefined) return undefined;
  const found = resourceType === 'ValueSet' ? terminology.valueSetById(id) : terminology.codeSystemById(id);
  if (!found) {
    throw new HttpError({
      status: 404,
      message: `no ${resourceType}/${id} is loaded in the terminology service`,
      hint: `check the id: it is the one the ${resourceType} was loaded with (its file or plugins.terminology); or call /${resourceType}/$op with a url`,
    });
  }
  return { url: found.url, version: found.version };
}
