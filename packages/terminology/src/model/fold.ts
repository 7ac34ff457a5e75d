/**
 * Folds text for matching: lower case, without diacritics, so "nhoi mau" finds "Nhồi máu cơ tim". The same rules
 * as the store's name search: Vietnamese đ/Đ is a letter of its own, not a d with a mark, so it is folded to d
 * explicitly.
 */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().trim();
}

/** The folded words of a text: its runs of letters and digits ("Bệnh lao, không xác định" gives 5 words). */
export function foldedTokens(value: string): string[] {
  return foldText(value)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}
