import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin } from '@mekong/kernel';
import { serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import {
  ICD10_SYSTEM,
  type TerminologyContribution,
  terminologyCodeSystemsExtensionPoint,
  terminologyPlugin,
  terminologyServiceRef,
} from '@mekong/terminology';
import { startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mekong-terminology-boot-'));
const LAB = 'https://benhvien.example.vn/fhir/CodeSystem/chi-so-xet-nghiem';

function contributor(value: TerminologyContribution) {
  return definePlugin({
    id: 'lab-codes',
    version: '0.1.0',
    kernel: '^0.1.0',
    dependencies: { terminology: '^0.1.0' },
    register(env) {
      env.contribute(terminologyCodeSystemsExtensionPoint, { value });
    },
  });
}

const start = (terminology: Record<string, unknown>, extra: ReturnType<typeof contributor>[] = []) =>
  startTestHost({
    plugins: [storePlugin, serverPlugin, terminologyPlugin, ...extra],
    config: { plugins: { server: { port: 0 }, terminology } },
  });

const labList = (file: string) => ({
  format: 'csv' as const,
  file,
  id: 'chi-so',
  url: LAB,
  version: '2025',
  name: 'ChiSo',
  delimiter: ';',
  columns: { code: 'MA_CHI_SO', display: 'TEN_CHI_SO', properties: { loinc: 'MA_LOINC' } },
});

describe('the terminology plugin at start', () => {
  it("loads the hospital's files beside the shipped subsets, and only the subsets it is told to", async () => {
    const file = join(dir, 'chi-so.csv');
    writeFileSync(file, 'MA_CHI_SO;TEN_CHI_SO;MA_LOINC\n0001;Glucose máu;2345-7\n0002;Creatinin;2160-0\n');
    const host = await start({ bundled: ['icd-10-vn'], codeSystems: [labList(file)] });
    const terminology = host.get(terminologyServiceRef);
    expect(terminology.lookup({ system: LAB, code: '0001' })).toMatchObject({
      display: 'Glucose máu',
      properties: [{ code: 'loinc', value: '2345-7' }],
    });
    expect(terminology.codeSystems().map((cs) => cs.id)).toEqual(['icd-10-vn', 'chi-so']);
  });

  it("stops with an error naming the file, line and column of a bad row in the hospital's file", async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'MA_CHI_SO;TEN_CHI_SO;MA_LOINC\n0001;Glucose máu;\n;Creatinin;\n');
    await expect(start({ bundled: [], codeSystems: [labList(file)] })).rejects.toMatchObject({
      message: `[terminology] boot aborted: ${file}, line 3, column 'MA_CHI_SO': the code is empty`,
      hint: 'fix the file or its entry in plugins.terminology.codeSystems',
    });
  });

  it('refuses a full list loaded under the version of a shipped subset still loaded', async () => {
    const file = join(dir, 'icd.csv');
    writeFileSync(file, 'code,vi\nI21,Nhồi máu cơ tim cấp\n');
    const full = {
      format: 'csv',
      file,
      id: 'icd-full',
      url: ICD10_SYSTEM,
      version: 'vn-4469-2020',
      name: 'ICD',
      columns: { code: 'code', display: 'vi' },
    };
    await expect(start({ bundled: ['icd-10-vn'], codeSystems: [full] })).rejects.toMatchObject({
      message: `[terminology] boot aborted: code system ${ICD10_SYSTEM} version vn-4469-2020 is loaded twice`,
    });
  });

  it("names the contributing plugin when its contribution is not valid or its file's path is relative", async () => {
    const invalid = contributor({
      codeSystems: [{ id: 'x', url: LAB, version: '1', name: 'X', concepts: [{ code: 'A' }] }],
    } as never);
    await expect(start({ bundled: [] }, [invalid])).rejects.toMatchObject({
      message:
        '[terminology] boot aborted: [lab-codes] contributes terminology that is not valid: codeSystems.0.concepts.0.display: Invalid input: expected string, received undefined',
    });
    const relative = contributor({ codeSystems: [labList('data/chi-so.csv')] });
    await expect(start({ bundled: [] }, [relative])).rejects.toMatchObject({
      message:
        "[terminology] boot aborted: [lab-codes] contributes the code list 'data/chi-so.csv', which is not an absolute path",
    });
  });
});
