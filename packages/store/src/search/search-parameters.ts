import { type SearchParameterDefinition, searchParameters } from '@mekong/fhir';
import { compileExpression, type Extractor } from './fhirpath-subset.js';

/** A search parameter the store indexes, with its compiled expression. */
export interface IndexedParameter {
  readonly definition: SearchParameterDefinition;
  readonly extract: Extractor;
  /** For references: the types this parameter can point to on this resource type. */
  readonly targets: readonly string[];
  /**
   * The code whose index rows hold this parameter's values: its own, or that of an earlier parameter of the
   * type with the same definition (Patient's `phonetic` is `Patient.name`, as `name` is), whose rows it shares
   * instead of writing the same values again. The first in the specification's order is the one stored: a
   * change of that choice needs a migration (store@0008 removed the rows of those that share).
   */
  readonly storedAs: string;
}

/**
 * The targets of a reference parameter on one resource type: a shared parameter lists every target of every
 * type, but an expression such as `Observation.subject.where(resolve() is Patient)` narrows it.
 */
function targetsOf(definition: SearchParameterDefinition): readonly string[] {
  const parts = definition.expression.split('|');
  const narrowed = parts.map((part) => /where\(resolve\(\) is (\w+)\)/.exec(part)?.[1]);
  const only = narrowed[0];
  return only && narrowed.every((t) => t === only) ? [only] : (definition.target ?? []);
}

const INDEXED_TYPES = new Set(['token', 'string', 'date', 'reference', 'uri', 'quantity', 'number']);
// Search on these is answered from the resource table's own columns.
const COLUMN_PARAMETERS = new Set(['_id', '_lastUpdated']);
const cache = new Map<string, { indexed: Map<string, IndexedParameter>; unsupported: Map<string, string> }>();

/**
 * The search parameters of a resource type the store can index, by code, and those it cannot yet, with
 * the reason (a parameter type, or an expression beyond the FHIRPath subset).
 */
export function parametersOf(resourceType: string) {
  let entry = cache.get(resourceType);
  if (!entry) {
    const indexed = new Map<string, IndexedParameter>();
    const unsupported = new Map<string, string>();
    const definitions = [...(searchParameters[resourceType] ?? []), ...(searchParameters.Resource ?? [])];
    const stored = new Map<string, string>();
    for (const definition of definitions) {
      if (COLUMN_PARAMETERS.has(definition.code)) continue;
      if (!INDEXED_TYPES.has(definition.type)) {
        unsupported.set(definition.code, `${definition.type} parameters are not supported yet`);
        continue;
      }
      const extract = compileExpression(definition.expression, resourceType);
      if (!extract) unsupported.set(definition.code, `its expression is not supported yet: ${definition.expression}`);
      else {
        const targets = targetsOf(definition);
        const same = `${definition.type} ${definition.expression} ${targets.join(',')}`;
        const storedAs = stored.get(same) ?? definition.code;
        stored.set(same, storedAs);
        indexed.set(definition.code, { definition, extract, targets, storedAs });
      }
    }
    entry = { indexed, unsupported };
    cache.set(resourceType, entry);
  }
  return entry;
}
