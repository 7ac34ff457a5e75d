import type { CodeSystemIndex } from '../index/code-system-index.js';
import type { ConceptDefinition, ValueSetDefinition, ValueSetInclude } from '../model/definitions.js';

/** One include or exclude of a value set, bound to the code system version it draws on. */
export interface CompiledPart {
  readonly index: CodeSystemIndex;
  /** The ordinals of the part's concepts in the code system, in the order an expansion lists them. */
  readonly members: Int32Array;
  readonly codes: ReadonlySet<string>;
}

function matchesFilters(concept: ConceptDefinition, include: ValueSetInclude): boolean {
  return (include.filter ?? []).every((f) => concept.properties?.[f.property] === f.value);
}

/** Binds a value set part to its code system: which concepts it takes. Unknown listed codes are refused. */
export function compilePart(
  valueSet: ValueSetDefinition,
  include: ValueSetInclude,
  index: CodeSystemIndex,
): CompiledPart {
  let ordinals: number[];
  if (include.concepts) {
    ordinals = include.concepts.map((code) => {
      const ordinal = index.ordinal(code);
      if (ordinal === undefined) {
        throw new Error(
          `value set '${valueSet.url}' lists the code '${code}', which ${include.system} version ${index.definition.version} does not have`,
        );
      }
      return ordinal;
    });
  } else {
    ordinals = index.concepts.map((_, i) => i);
  }
  const members = ordinals.filter((i) => matchesFilters(index.concepts[i] as ConceptDefinition, include));
  return {
    index,
    members: Int32Array.from(members),
    codes: new Set(members.map((i) => (index.concepts[i] as ConceptDefinition).code)),
  };
}

/** A value set ready to expand and to validate codes against. */
export interface CompiledValueSet {
  readonly definition: ValueSetDefinition;
  readonly include: readonly CompiledPart[];
  readonly exclude: readonly CompiledPart[];
  /** The code system URLs it draws on. */
  readonly systems: ReadonlySet<string>;
}
