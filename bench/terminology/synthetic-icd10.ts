import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConceptDefinition } from '@mekong/terminology';

// Words of real Vietnamese ICD-10 titles, to give the synthetic titles the real language's word shapes.
const WORDS = [
  'bệnh',
  'viêm',
  'phổi',
  'nhồi',
  'máu',
  'cơ',
  'tim',
  'cấp',
  'mạn',
  'đái',
  'tháo',
  'đường',
  'không',
  'xác',
  'định',
  'do',
  'vi',
  'khuẩn',
  'virus',
  'tổn',
  'thương',
  'gãy',
  'xương',
  'u',
  'ác',
  'lành',
  'của',
  'dạ',
  'dày',
  'gan',
  'thận',
  'suy',
  'hô',
  'hấp',
  'nhiễm',
  'trùng',
  'lao',
  'sốt',
  'xuất',
  'huyết',
  'não',
  'tủy',
  'sống',
  'khớp',
  'thoái',
  'hóa',
  'rối',
  'loạn',
  'chức',
  'năng',
  'tăng',
  'áp',
  'huyết',
  'động',
  'mạch',
  'tĩnh',
  'giãn',
  'hẹp',
  'tắc',
  'ruột',
  'đại',
  'tràng',
  'bàng',
  'quang',
  'niệu',
  'đạo',
  'da',
  'mắt',
  'tai',
  'mũi',
  'họng',
  'răng',
  'miệng',
  'thai',
  'sản',
  'sơ',
  'sinh',
  'bẩm',
  'dị',
  'tật',
  'phân',
  'loại',
  'nơi',
  'khác',
];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * About 12,500 ICD-10-shaped concepts (A00-Z99, each with four subcodes), synthetic because the full official
 * list cannot be fetched here, with the 237 real codes of the shipped subset in their places (so "nhoi mau"
 * finds real titles among synthetic ones).
 */
export function syntheticIcd10(): ConceptDefinition[] {
  const real = new Map<string, string>();
  const csv = readFileSync(
    fileURLToPath(new URL('../../packages/terminology/data/icd-10-vn.csv', import.meta.url)),
    'utf8',
  );
  for (const line of csv.split('\n').slice(1)) {
    const match = /^([^,]+),("[^"]*"|[^,]*)/.exec(line);
    if (match) real.set(match[1] as string, (match[2] as string).replace(/^"|"$/g, ''));
  }
  const random = prng(12_000);
  const title = () =>
    Array.from({ length: 3 + Math.floor(random() * 5) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  const concepts: ConceptDefinition[] = [];
  for (const letter of 'ABCDEFGHIJKLMNOPQRSTVWXYZ') {
    for (let n = 0; n < 100; n++) {
      const category = `${letter}${String(n).padStart(2, '0')}`;
      concepts.push({ code: category, display: real.get(category) ?? title() });
      for (let sub = 0; sub < 4; sub++) {
        const code = `${category}.${sub}`;
        concepts.push({ code, display: real.get(code) ?? title() });
      }
    }
  }
  return concepts;
}
