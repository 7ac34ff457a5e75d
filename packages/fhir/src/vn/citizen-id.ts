import { VN_PROVINCES } from './provinces.js';

/** What a 12-digit citizen ID (and personal identification number) says about its holder. */
export interface CitizenId {
  readonly value: string;
  /** Two-digit province code where the birth was registered, and its name. */
  readonly province: { readonly code: string; readonly name: string };
  readonly sex: 'male' | 'female';
  readonly birthYear: number;
}

/** A parse that either succeeds or says why not. */
export type IdentifierParse<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses a 12-digit citizen ID (Decree 137/2015, Circular 07/2016/TT-BCA): 3 digits of province code,
 * 1 digit of century and sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s),
 * 2 digits of birth year, 6 digits of sequence.
 */
export function parseCitizenId(input: string): IdentifierParse<CitizenId> {
  if (!/^\d{12}$/.test(input)) return { ok: false, reason: 'must be exactly 12 digits' };
  const provinceCode = input.slice(1, 3);
  const province = input.startsWith('0') ? VN_PROVINCES[provinceCode] : undefined;
  if (!province) return { ok: false, reason: `starts with ${input.slice(0, 3)}, which is not a province code` };
  const centuryAndSex = Number(input[3]);
  return {
    ok: true,
    value: {
      value: input,
      province: { code: provinceCode, name: province },
      sex: centuryAndSex % 2 === 0 ? 'male' : 'female',
      birthYear: 1900 + Math.floor(centuryAndSex / 2) * 100 + Number(input.slice(4, 6)),
    },
  };
}
