import { CodeSystemIndex } from '../index/code-system-index.js';
import type {
  CodeSystemDefinition,
  ConceptDefinition,
  EffectivePeriod,
  ValueSetDefinition,
} from '../model/definitions.js';
import { type CompiledPart, type CompiledValueSet, compilePart } from './compiled-value-set.js';
import { TerminologyError } from './terminology-error.js';
import type {
  CodeSystemSummary,
  ExpandRequest,
  Expansion,
  ExpansionEntry,
  LookupRequest,
  LookupResult,
  TerminologyService,
  ValidateCodeRequest,
  ValidateCodeResult,
  ValueSetSummary,
  ValueSetValidateCodeRequest,
} from './types.js';

/** Options of {@link InMemoryTerminology}. */
export interface InMemoryTerminologyOptions {
  /** Today as `YYYY-MM-DD`, for requests that give no date. */
  readonly today: () => string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function byVersionDescending<T extends { version: string }>(a: T, b: T): number {
  return b.version.localeCompare(a.version, 'en', { numeric: true });
}

function comparable(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Whether a concept is valid on a day (both ends of its period inclusive). */
export function validOn(effective: EffectivePeriod | undefined, date: string): boolean {
  if (!effective) return true;
  return (
    (effective.from === undefined || effective.from <= date) && (effective.to === undefined || date <= effective.to)
  );
}

const primary = (language: string) => language.toLowerCase().split('-')[0];

/**
 * A concept's name in a language: its display when the code system's displays are in it (or no language is
 * asked for), else a designation in it (`en` matches `en-GB`), else its display.
 */
export function displayIn(
  concept: ConceptDefinition,
  systemLanguage: string | undefined,
  language: string | undefined,
): string {
  if (language === undefined || (systemLanguage !== undefined && primary(systemLanguage) === primary(language))) {
    return concept.display;
  }
  return concept.designations?.find((d) => primary(d.language) === primary(language))?.value ?? concept.display;
}

function periodText(effective: EffectivePeriod): string {
  if (effective.from && effective.to) return `from ${effective.from} to ${effective.to}`;
  return effective.from ? `from ${effective.from}` : `until ${effective.to}`;
}

function summary(index: CodeSystemIndex): CodeSystemSummary {
  const { id, url, version, name, title, language, valueSet } = index.definition;
  return {
    id,
    url,
    version,
    name,
    ...(title ? { title } : {}),
    ...(language ? { language } : {}),
    ...(valueSet ? { valueSet } : {}),
    count: index.concepts.length,
  };
}

/**
 * The terminology service over code systems and value sets held in memory: one {@link CodeSystemIndex} per
 * code system version. A code system that names a `valueSet` gets that value set (all its codes) implicitly.
 * Construction refuses duplicates (a URL and version, or an id, loaded twice) and value sets that draw on code
 * systems or codes that are not loaded.
 */
export class InMemoryTerminology implements TerminologyService {
  private readonly systems = new Map<string, CodeSystemIndex[]>();
  private readonly systemIds = new Map<string, CodeSystemIndex>();
  private readonly sets = new Map<string, CompiledValueSet[]>();
  private readonly setIds = new Map<string, CompiledValueSet>();

  constructor(
    codeSystems: readonly CodeSystemDefinition[],
    valueSets: readonly ValueSetDefinition[],
    private readonly options: InMemoryTerminologyOptions,
  ) {
    for (const definition of codeSystems) this.addCodeSystem(definition);
    for (const list of this.systems.values()) list.sort((a, b) => byVersionDescending(a.definition, b.definition));
    const implicit = codeSystems.flatMap((cs): ValueSetDefinition[] =>
      cs.valueSet
        ? [
            {
              id: cs.id,
              url: cs.valueSet,
              version: cs.version,
              name: cs.name,
              ...(cs.title ? { title: cs.title } : {}),
              include: [{ system: cs.url, version: cs.version }],
            },
          ]
        : [],
    );
    for (const definition of [...implicit, ...valueSets]) this.addValueSet(definition);
    for (const list of this.sets.values()) list.sort((a, b) => byVersionDescending(a.definition, b.definition));
  }

  private addCodeSystem(definition: CodeSystemDefinition): void {
    const versions = this.systems.get(definition.url) ?? [];
    if (versions.some((v) => v.definition.version === definition.version)) {
      throw new Error(`code system ${definition.url} version ${definition.version} is loaded twice`);
    }
    if (this.systemIds.has(definition.id)) throw new Error(`two code systems have the id '${definition.id}'`);
    const index = new CodeSystemIndex(definition);
    versions.push(index);
    this.systems.set(definition.url, versions);
    this.systemIds.set(definition.id, index);
  }

  private addValueSet(definition: ValueSetDefinition): void {
    const versions = this.sets.get(definition.url) ?? [];
    if (versions.some((v) => v.definition.version === definition.version)) {
      throw new Error(`value set ${definition.url} version ${definition.version} is loaded twice`);
    }
    if (this.setIds.has(definition.id)) throw new Error(`two value sets have the id '${definition.id}'`);
    const part = (include: (typeof definition.include)[number]): CompiledPart => {
      const index = this.systems
        .get(include.system)
        ?.find((v) => include.version === undefined || v.definition.version === include.version);
      if (!index) {
        throw new Error(
          `value set '${definition.url}' draws on code system ${include.system}${include.version ? ` version ${include.version}` : ''}, which is not loaded`,
        );
      }
      return compilePart(definition, include, index);
    };
    const compiled: CompiledValueSet = {
      definition,
      include: definition.include.map(part),
      exclude: (definition.exclude ?? []).map(part),
      systems: new Set(definition.include.map((i) => i.system)),
    };
    versions.push(compiled);
    this.sets.set(definition.url, versions);
    this.setIds.set(definition.id, compiled);
  }

  private dateOf(date: string | undefined): string {
    if (date === undefined) return this.options.today();
    const day = date.slice(0, 10);
    if (!DATE.test(day) || Number.isNaN(Date.parse(day))) {
      throw new TerminologyError({
        status: 400,
        message: `the date '${date}' is not a date`,
        hint: 'give a date as YYYY-MM-DD (or a dateTime)',
        parameter: 'date',
      });
    }
    return day;
  }

  private codeSystem(url: string, version: string | undefined, parameter: string): CodeSystemIndex {
    const versions = this.systems.get(url);
    const index = versions?.find((v) => version === undefined || v.definition.version === version);
    if (!index) {
      const known = versions?.map((v) => v.definition.version).join(', ');
      throw new TerminologyError({
        status: 404,
        message: versions
          ? `code system ${url} has no version ${version} (loaded: ${known})`
          : `no code system ${url} is loaded`,
        hint: versions
          ? 'leave the version out for the newest'
          : 'check the system URL, or load the code system (plugins.terminology.codeSystems)',
        parameter,
      });
    }
    return index;
  }

  private valueSet(url: string, version: string | undefined): CompiledValueSet {
    const versions = this.sets.get(url);
    const set = versions?.find((v) => version === undefined || v.definition.version === version);
    if (!set) {
      throw new TerminologyError({
        status: 404,
        message: versions
          ? `value set ${url} has no version ${version} (loaded: ${versions.map((v) => v.definition.version).join(', ')})`
          : `no value set ${url} is loaded`,
        hint: versions
          ? 'leave valueSetVersion out for the newest'
          : 'check the value set URL, or load it (plugins.terminology.valueSets)',
        parameter: 'url',
      });
    }
    return set;
  }

  lookup(request: LookupRequest): LookupResult {
    const index = this.codeSystem(request.system, request.version, 'system');
    const concept = index.concept(request.code);
    if (!concept) {
      throw new TerminologyError({
        status: 404,
        message: `code '${request.code}' is not in ${request.system} version ${index.definition.version}`,
        hint: 'check the code (codes are case-sensitive), or find it with $expand and a filter',
        parameter: 'code',
      });
    }
    const wanted = request.properties && request.properties.length > 0 ? new Set(request.properties) : undefined;
    const properties = Object.entries(concept.properties ?? {})
      .filter(([code]) => !wanted || wanted.has(code))
      .map(([code, value]) => ({ code, value }));
    return {
      name: index.definition.name,
      system: index.definition.url,
      version: index.definition.version,
      code: concept.code,
      display: displayIn(concept, index.definition.language, request.displayLanguage),
      designations: concept.designations ?? [],
      properties,
      ...(concept.effective ? { effective: concept.effective } : {}),
    };
  }

  private judge(
    index: CodeSystemIndex,
    concept: ConceptDefinition | undefined,
    request: { code: string; display?: string; date?: string },
    where: string,
  ): ValidateCodeResult {
    const system = index.definition.url;
    const version = index.definition.version;
    if (!concept) return { result: false, system, version, message: `code '${request.code}' is not in ${where}` };
    const found = { display: concept.display, system, version };
    const date = this.dateOf(request.date);
    if (!validOn(concept.effective, date)) {
      return {
        result: false,
        ...found,
        message: `code '${concept.code}' of ${system} is valid ${periodText(concept.effective as EffectivePeriod)}, not on ${date}`,
      };
    }
    if (request.display !== undefined) {
      const given = comparable(request.display);
      const names = [concept.display, ...(concept.designations ?? []).map((d) => d.value)];
      if (!names.some((name) => comparable(name) === given)) {
        return {
          result: false,
          ...found,
          message: `the display '${request.display}' is not a name of code '${concept.code}' of ${system}, whose display is '${concept.display}'`,
        };
      }
    }
    return { result: true, ...found };
  }

  validateCode(request: ValidateCodeRequest): ValidateCodeResult {
    const index = this.codeSystem(request.system, request.version, 'url');
    return this.judge(
      index,
      index.concept(request.code),
      request,
      `${request.system} version ${index.definition.version}`,
    );
  }

  validateValueSetCode(request: ValueSetValidateCodeRequest): ValidateCodeResult {
    const set = this.valueSet(request.valueSet, request.valueSetVersion);
    const system = request.system ?? (set.systems.size === 1 ? [...set.systems][0] : undefined);
    if (system === undefined) {
      throw new TerminologyError({
        status: 400,
        message: `value set ${request.valueSet} draws on several code systems: the code's system is needed`,
        hint: 'give system (or a coding)',
        parameter: 'system',
      });
    }
    const inPart = (part: CompiledPart) =>
      part.index.definition.url === system &&
      (request.systemVersion === undefined || part.index.definition.version === request.systemVersion) &&
      part.codes.has(request.code);
    const part = set.include.find(inPart);
    const where = `value set ${set.definition.url} version ${set.definition.version}`;
    if (!part || set.exclude.some(inPart)) {
      return { result: false, system, message: `code '${request.code}' of ${system} is not in ${where}` };
    }
    return this.judge(part.index, part.index.concept(request.code), request, where);
  }

  expand(request: ExpandRequest): Expansion {
    const set = this.valueSet(request.valueSet, request.valueSetVersion);
    const date = this.dateOf(request.date);
    const offset = request.offset ?? 0;
    const count = request.count ?? Number.POSITIVE_INFINITY;
    const contains: ExpansionEntry[] = [];
    const seen = set.include.length > 1 ? new Set<string>() : undefined;
    let total = 0;
    for (const part of set.include) {
      const matches = request.filter === undefined ? undefined : part.index.match(request.filter);
      const { url: system, version } = part.index.definition;
      for (const ordinal of part.members) {
        if (matches && !matches.has(ordinal)) continue;
        const concept = part.index.concepts[ordinal] as ConceptDefinition;
        if (!validOn(concept.effective, date)) continue;
        if (set.exclude.some((ex) => ex.index.definition.url === system && ex.codes.has(concept.code))) continue;
        if (seen) {
          const key = `${system}|${concept.code}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        if (total >= offset && contains.length < count) {
          const display = displayIn(concept, part.index.definition.language, request.displayLanguage);
          contains.push({ system, version, code: concept.code, display, concept });
        }
        total++;
      }
    }
    const { url, version, name } = set.definition;
    return { url, version, name, total, offset, date, contains };
  }

  codeSystemById(id: string): CodeSystemSummary | undefined {
    const index = this.systemIds.get(id);
    return index ? summary(index) : undefined;
  }

  valueSetById(id: string): ValueSetSummary | undefined {
    const set = this.setIds.get(id);
    if (!set) return undefined;
    const { url, version, name, title } = set.definition;
    return { id, url, version, name, ...(title ? { title } : {}) };
  }

  codeSystems(): CodeSystemSummary[] {
    return [...this.systems.values()].flatMap((versions) => versions.map(summary));
  }

  valueSets(): ValueSetSummary[] {
    return [...this.sets.values()].flatMap((versions) =>
      versions.map(({ definition: { id, url, version, name, title } }) => ({
        id,
        url,
        version,
        name,
        ...(title ? { title } : {}),
      })),
    );
  }
}
