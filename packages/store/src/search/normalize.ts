/**
 * Folds text for string search: lower case, without diacritics, so "nguyen van an" finds "Nguyễn Văn An".
 * Vietnamese đ/Đ is a letter of its own, not a d with a mark: it is folded to d explicitly.
 */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().trim();
}
