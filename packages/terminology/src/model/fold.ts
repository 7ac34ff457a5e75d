import { foldText } from '@mekong/fhir';

/** The folded words of a text ({@link foldText}): its runs of letters and digits ("Bệnh lao, không xác định" gives 5 words). */
export function foldedTokens(value: string): string[] {
  return foldText(value)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}
