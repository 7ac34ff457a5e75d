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
      hint: `check the id (the one the ${resourceType} was loaded with), or call the operation at type level with its url`,
    });
  }
  return { url: found.url, version: found.version };
}
