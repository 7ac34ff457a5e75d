/**
 * Folds text for matching: lower case, without diacritics, so "nguyen van an" finds "Nguyễn Văn An" and
 * "nhoi mau" finds "Nhồi máu cơ tim". Vietnamese đ/Đ is a letter of its own, not a d with a mark: it is folded to
 * d explicitly. The store's string search and the terminology service's filters fold with this one function, so
 * what a search finds and what a code list's filter finds agree.
 */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().trim();
}
