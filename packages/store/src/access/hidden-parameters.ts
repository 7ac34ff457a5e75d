import type { SearchParameterDefinition } from '@mekong/fhir';

/** The element paths (`reasonCode`, `hospitalization.dischargeDisposition`) a parameter's expression reads on a type. */
function pathsOf(type: string, parameter: SearchParameterDefinition): string[][] {
  const paths: string[][] = [];
  for (const part of parameter.expression.split('|')) {
    const match = /^[\s(]*([A-Z][A-Za-z]*)\.(.*)$/.exec(part.trim());
    if (!match || (match[1] !== type && match[1] !== 'Resource' && match[1] !== 'DomainResource')) continue;
    const path: string[] = [];
    // Element names up to the first function call (`telecom.where(...)` reads `telecom`).
    for (const segment of (match[2] ?? '').split('.')) {
      const name = /^[a-z][A-Za-z0-9]*/.exec(segment)?.[0];
      if (!name || segment.slice(name.length).startsWith('(')) break;
      path.push(name);
      if (name !== segment) break;
    }
    if (path.length > 0) paths.push(path);
  }
  return paths;
}

/**
 * The hidden element a search parameter reads, if any: a parameter over an element (or over a parent or child
 * of one) the caller may not see would reveal its value one guess at a time. `hidden` are element paths as FHIR
 * names them, a choice by its base (`value`, for `valueQuantity`), as the parameters' expressions do.
 */
export function hiddenElementSearched(
  type: string,
  parameter: SearchParameterDefinition,
  hidden: readonly string[],
): string | undefined {
  if (hidden.length === 0) return undefined;
  const searched = pathsOf(type, parameter);
  return hidden.find((field) => {
    const segments = field.split('.');
    return searched.some((path) => {
      const shorter = Math.min(path.length, segments.length);
      return path.slice(0, shorter).join('.') === segments.slice(0, shorter).join('.');
    });
  });
}
