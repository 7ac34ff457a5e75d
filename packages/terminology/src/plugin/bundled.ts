import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystemFile } from '../model/definitions.js';

// The package's root is the nearest folder with a package.json: src/plugin/ in the sources, dist/ once built.
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const data = (name: string) => join(packageRoot(), 'data', name);

/** The project's canonical base for what it defines itself (value sets of the shipped lists). */
export const MEKONG_TERMINOLOGY_BASE = 'https://fhir.mekong.dev/terminology';

/** The ICD-10 system (WHO), whose codes the Ministry of Health's Vietnamese edition uses unchanged. */
export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
/** The value set of all the shipped ICD-10 codes. */
export const ICD10_VN_VALUE_SET = `${MEKONG_TERMINOLOGY_BASE}/ValueSet/icd-10-vn`;
/** The WHO ATC classification. */
export const ATC_SYSTEM = 'http://www.whocc.no/atc';
/** The value set of the shipped common drugs, by ATC code. */
export const ATC_VN_VALUE_SET = `${MEKONG_TERMINOLOGY_BASE}/ValueSet/atc-common-drugs`;
/** LOINC. */
export const LOINC_SYSTEM = 'http://loinc.org';
/** The value set of the shipped common laboratory tests, by LOINC code. */
export const LOINC_LAB_VALUE_SET = `${MEKONG_TERMINOLOGY_BASE}/ValueSet/loinc-common-lab`;

/** The curated code lists the plugin ships, by name (`plugins.terminology.bundled`). */
export const bundledCodeSystems = {
  'icd-10-vn': {
    format: 'csv',
    file: data('icd-10-vn.csv'),
    id: 'icd-10-vn',
    url: ICD10_SYSTEM,
    version: 'vn-4469-2020',
    name: 'ICD10VN',
    title: 'ICD-10, Vietnamese edition of the Ministry of Health (curated subset)',
    language: 'vi',
    publisher: 'Bộ Y tế (Ministry of Health of Viet Nam); WHO',
    valueSet: ICD10_VN_VALUE_SET,
    columns: {
      code: 'code',
      display: 'vi',
      designations: [{ column: 'en', language: 'en' }],
      properties: { chapter: 'chapter' },
    },
  },
  'atc-common-drugs': {
    format: 'csv',
    file: data('atc-common-drugs.csv'),
    id: 'atc-common-drugs',
    url: ATC_SYSTEM,
    version: '2024',
    name: 'ATCCommonDrugs',
    title: 'WHO ATC codes of common drugs (curated subset)',
    language: 'vi',
    publisher: 'WHO Collaborating Centre for Drug Statistics Methodology',
    valueSet: ATC_VN_VALUE_SET,
    columns: { code: 'atc', display: 'vi', designations: [{ column: 'en', language: 'en' }] },
  },
  'loinc-common-lab': {
    format: 'csv',
    file: data('loinc-common-lab.csv'),
    id: 'loinc-common-lab',
    url: LOINC_SYSTEM,
    version: '2.77',
    name: 'LOINCCommonLab',
    title: 'LOINC codes of common laboratory tests (curated subset)',
    language: 'vi',
    publisher: 'Regenstrief Institute',
    valueSet: LOINC_LAB_VALUE_SET,
    columns: {
      code: 'loinc',
      display: 'vi',
      designations: [{ column: 'en', language: 'en' }],
      properties: { unit: 'unit' },
    },
  },
} as const satisfies Record<string, CodeSystemFile>;

/** The name of a shipped code list. */
export type BundledCodeSystem = keyof typeof bundledCodeSystems;
