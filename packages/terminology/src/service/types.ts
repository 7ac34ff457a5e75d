import type { ConceptDefinition, Designation, EffectivePeriod, PropertyValue } from '../model/definitions.js';

/** A code system as listed by the service. */
export interface CodeSystemSummary {
  readonly id: string;
  readonly url: string;
  readonly version: string;
  readonly name: string;
  readonly title?: string;
  readonly language?: string;
  readonly valueSet?: string;
  readonly count: number;
}

/** A value set as listed by the service. */
export interface ValueSetSummary {
  readonly id: string;
  readonly url: string;
  readonly version: string;
  readonly name: string;
  readonly title?: string;
}

/** `$lookup`: a code in a code system. */
export interface LookupRequest {
  readonly system: string;
  readonly code: string;
  /** The code system's version; default its highest. */
  readonly version?: string;
  /** Only these properties; default all. */
  readonly properties?: readonly string[];
  /** The language of the display to answer (`en`): a designation in it, else the display. */
  readonly displayLanguage?: string;
}

/** What `$lookup` finds. */
export interface LookupResult {
  readonly name: string;
  readonly system: string;
  readonly version: string;
  readonly code: string;
  readonly display: string;
  readonly designations: readonly Designation[];
  readonly properties: readonly { readonly code: string; readonly value: PropertyValue }[];
  readonly effective?: EffectivePeriod;
}

/** `$validate-code` against a code system. */
export interface ValidateCodeRequest {
  readonly system: string;
  readonly code: string;
  readonly version?: string;
  /** A display to check: it must be the concept's display or one of its designations (case and spacing aside). */
  readonly display?: string;
  /** The day the code must be valid on (`YYYY-MM-DD`); default today in the service's time zone. */
  readonly date?: string;
}

/** `$validate-code` against a value set. */
export interface ValueSetValidateCodeRequest {
  /** The value set's canonical URL. */
  readonly valueSet: string;
  readonly valueSetVersion?: string;
  /** The code's system; may be left out when the value set draws on one code system. */
  readonly system?: string;
  readonly systemVersion?: string;
  readonly code: string;
  readonly display?: string;
  readonly date?: string;
}

/** The answer of `$validate-code`. */
export interface ValidateCodeResult {
  readonly result: boolean;
  /** Why it is not valid (or what is doubtful). */
  readonly message?: string;
  /** The concept's display, when the code was found. */
  readonly display?: string;
  readonly system?: string;
  readonly version?: string;
}

/** `$expand`. */
export interface ExpandRequest {
  readonly valueSet: string;
  readonly valueSetVersion?: string;
  /** Words that must each begin a word of the code, display or a designation, with or without diacritics. */
  readonly filter?: string;
  /** How many matches to skip; default 0. */
  readonly offset?: number;
  /** How many to return; default all. */
  readonly count?: number;
  /** Only codes valid on this day (`YYYY-MM-DD`); default today. */
  readonly date?: string;
  /** The language of the displays to answer (`en`): a designation in it, else the display. */
  readonly displayLanguage?: string;
}

/** One code of an expansion. */
export interface ExpansionEntry {
  readonly system: string;
  readonly version: string;
  readonly code: string;
  readonly display: string;
  readonly concept: ConceptDefinition;
}

/** What `$expand` answers: one page of the matches and their total. */
export interface Expansion {
  readonly url: string;
  readonly version: string;
  readonly name: string;
  readonly total: number;
  readonly offset: number;
  /** The day validity was judged on. */
  readonly date: string;
  readonly contains: readonly ExpansionEntry[];
}

/**
 * The terminology service for plugin code: every call is synchronous and answers from memory, so a validator
 * can check a coded element on the write path.
 */
export interface TerminologyService {
  lookup(request: LookupRequest): LookupResult;
  validateCode(request: ValidateCodeRequest): ValidateCodeResult;
  validateValueSetCode(request: ValueSetValidateCodeRequest): ValidateCodeResult;
  expand(request: ExpandRequest): Expansion;
  /** The code system loaded under an id (`/CodeSystem/{id}`). */
  codeSystemById(id: string): CodeSystemSummary | undefined;
  /** The value set loaded under an id (`/ValueSet/{id}`). */
  valueSetById(id: string): ValueSetSummary | undefined;
  codeSystems(): readonly CodeSystemSummary[];
  valueSets(): readonly ValueSetSummary[];
}
