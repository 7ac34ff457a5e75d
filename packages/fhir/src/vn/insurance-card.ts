import type { IdentifierParse } from './citizen-id.js';
import { VN_PROVINCES } from './provinces.js';

/** What a 15-character health-insurance (BHYT) card number says. */
export interface InsuranceCard {
  readonly value: string;
  /** Beneficiary group (mã đối tượng), two letters, e.g. DN (enterprise employee), HT (retiree), TE (child). */
  readonly group: string;
  /** Benefit level (mức hưởng), 1 to 5: the share of costs the fund covers depends on it. */
  readonly benefitLevel: 1 | 2 | 3 | 4 | 5;
  /** Two-digit code of the issuing province (or social-insurance agency). */
  readonly provinceCode: string;
  /** The issuing province's name, when the code is a province. */
  readonly provinceName: string | undefined;
  /** The holder's 10-digit social-insurance number (mã số BHXH). */
  readonly socialInsuranceNumber: string;
}

/**
 * Codes in the province position that are not provinces: the social-insurance agencies of the Ministry of
 * National Defence and the Ministry of Public Security issue cards too. Unverified against an official list;
 * pass your own to {@link parseInsuranceCard} if your data shows otherwise.
 */
export const NON_PROVINCE_ISSUERS: readonly string[] = ['97', '98'];

/**
 * Parses a BHYT card number: 2 letters of beneficiary group, 1 digit of benefit level (1-5), 2 digits of
 * province, 10 digits of social-insurance number (Decision 1351/QĐ-BHXH). Whether the card is valid today is a
 * question for the insurance portal's card lookup, not for its shape.
 */
export function parseInsuranceCard(
  input: string,
  options: { otherIssuers?: readonly string[] } = {},
): IdentifierParse<InsuranceCard> {
  if (input.length !== 15) return { ok: false, reason: `must be 15 characters, found ${input.length}` };
  const match = /^([A-Z]{2})([1-5])(\d{2})(\d{10})$/.exec(input);
  if (!match) {
    return {
      ok: false,
      reason:
        'must be 2 capital letters (group), a benefit level 1-5, a 2-digit province and a 10-digit social-insurance number',
    };
  }
  const [, group, level, provinceCode, socialInsuranceNumber] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const provinceName = VN_PROVINCES[provinceCode];
  if (!provinceName && !(options.otherIssuers ?? NON_PROVINCE_ISSUERS).includes(provinceCode)) {
    return { ok: false, reason: `has ${provinceCode} in the province position, which is not a province code` };
  }
  return {
    ok: true,
    value: {
      value: input,
      group,
      benefitLevel: Number(level) as InsuranceCard['benefitLevel'],
      provinceCode,
      provinceName,
      socialInsuranceNumber,
    },
  };
}
