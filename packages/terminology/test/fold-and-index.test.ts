import { foldText } from '@mekong/fhir';
import { type CodeSystemDefinition, CodeSystemIndex } from '@mekong/terminology';
import { describe, expect, it } from 'vitest';

const icd: CodeSystemDefinition = {
  id: 'icd',
  url: 'http://hl7.org/fhir/sid/icd-10',
  version: '1',
  name: 'ICD',
  concepts: [
    {
      code: 'I21',
      display: 'Nhồi máu cơ tim cấp',
      designations: [{ language: 'en', value: 'Acute myocardial infarction' }],
    },
    { code: 'I21.0', display: 'Nhồi máu cơ tim cấp thành trước xuyên thành' },
    { code: 'I63', display: 'Nhồi máu não' },
    { code: 'E11', display: 'Bệnh đái tháo đường không phụ thuộc insuline' },
    { code: 'A15', display: 'Lao hô hấp' },
  ],
};

function codes(index: CodeSystemIndex, filter: string): string[] {
  const matches = index.match(filter);
  return index.concepts.filter((_, i) => matches?.has(i)).map((c) => c.code);
}

describe('folding (the store name search rules)', () => {
  it('drops diacritics and case, and folds đ to d', () => {
    expect(foldText('Nhồi Máu Cơ Tim')).toBe('nhoi mau co tim');
    expect(foldText('Đái tháo đường')).toBe('dai thao duong');
    // Decomposed input (NFD, as some keyboards send it) folds the same.
    expect(foldText('Nhồi máu'.normalize('NFD'))).toBe('nhoi mau');
  });
});

describe('CodeSystemIndex.match', () => {
  const index = new CodeSystemIndex(icd);

  it('finds words with and without diacritics, each filter word a prefix of a word', () => {
    expect(codes(index, 'nhoi mau')).toEqual(['I21', 'I21.0', 'I63']);
    expect(codes(index, 'Nhồi máu cơ tim')).toEqual(['I21', 'I21.0']);
    expect(codes(index, 'nhoi ma co')).toEqual(['I21', 'I21.0']);
    expect(codes(index, 'dai thao')).toEqual(['E11']); // đ in the text, d in the filter
    expect(codes(index, 'đái')).toEqual(['E11']);
  });

  it('matches designations and codes', () => {
    expect(codes(index, 'myocardial')).toEqual(['I21']);
    expect(codes(index, 'i21')).toEqual(['I21', 'I21.0']);
    expect(codes(index, 'I21.0')).toEqual(['I21.0']);
  });

  it('needs every word, and a word is matched from its start only', () => {
    expect(codes(index, 'nhoi phoi')).toEqual([]);
    expect(codes(index, 'hoi')).toEqual([]); // not inside "nhồi"
    expect(index.match('  ,. ')).toBeUndefined();
  });
});
