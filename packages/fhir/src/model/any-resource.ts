import { z } from 'zod';
import { resourceSchemas, type SupportedResource } from '../generated/resource-types.js';

/** Any resource Mekong supports; used for `contained` and Bundle entries. */
export type AnyResource = SupportedResource;

/**
 * Validates a resource of any supported type, dispatching on `resourceType` (built on first use, because the
 * resource schemas refer back to it through `contained`).
 */
export const AnyResourceSchema: z.ZodType<AnyResource> = z.lazy(() =>
  z.discriminatedUnion('resourceType', Object.values(resourceSchemas) as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `resourceType must be one of the supported types: ${Object.keys(resourceSchemas).join(', ')}`
        : undefined,
  }),
) as unknown as z.ZodType<AnyResource>;
