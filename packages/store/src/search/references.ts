import { type ResourceType, resourceTypes } from '@mekong/fhir';
import { InvalidSearchError } from './invalid-search-error.js';
import { parametersOf } from './search-parameters.js';

/** Resolves a reference parameter of a type and the type it points to (from `:Type` or its only target). */
export function referenceTarget(
  type: ResourceType,
  name: string,
  link: string,
): { code: string; target: ResourceType } {
  const [code, modifier] = link.split(':') as [string, string | undefined];
  const parameter = parametersOf(type).indexed.get(code);
  if (parameter?.definition.type !== 'reference') {
    throw new InvalidSearchError(
      name,
      `'${code}' is not a reference parameter of ${type}`,
      'chain and include through reference parameters',
    );
  }
  const targets = parameter.targets;
  const target = modifier ?? (targets.length === 1 ? targets[0] : undefined);
  if (!target) {
    throw new InvalidSearchError(
      name,
      `'${code}' may point to ${targets.join(', ')}`,
      `name the type: ${code}:${targets[0] ?? 'Patient'}`,
    );
  }
  if (targets.length > 0 && !targets.includes(target)) {
    throw new InvalidSearchError(
      name,
      `'${code}' of ${type} does not point to ${target}`,
      `use one of ${targets.join(', ')}`,
    );
  }
  return { code, target: target as ResourceType };
}

/** An `_include` or `_revinclude` to follow. */
export interface Include {
  readonly reverse: boolean;
  /** The resource type whose reference parameter is followed. */
  readonly source: ResourceType;
  readonly code: string;
  readonly target: ResourceType;
}

/** `_include=Observation:subject[:Patient]` on Observations; `_revinclude=Observation:subject` on Patients. */
export function parseInclude(type: ResourceType, name: string, value: string): Include {
  const [source, code, target] = value.split(':') as [string, string | undefined, string | undefined];
  const reverse = name === '_revinclude';
  if (!code || !(resourceTypes as readonly string[]).includes(source)) {
    throw new InvalidSearchError(
      name,
      `'${value}' must be SourceType:parameter[:TargetType]`,
      `for example ${reverse ? 'Observation:subject' : `${type}:subject`}`,
    );
  }
  if (!reverse && source !== type) {
    throw new InvalidSearchError(
      name,
      `includes from ${source}, but the search is for ${type}`,
      `use ${type}:<parameter>`,
    );
  }
  const resolved = referenceTarget(
    source as ResourceType,
    name,
    target ? `${code}:${target}` : reverse ? `${code}:${type}` : code,
  );
  if (reverse && resolved.target !== type) {
    throw new InvalidSearchError(
      name,
      `${source}:${code} does not point to ${type}`,
      `revinclude a reference to ${type}`,
    );
  }
  return { reverse, source: source as ResourceType, code: resolved.code, target: resolved.target };
}
