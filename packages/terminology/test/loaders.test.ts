import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ColumnMapping,
  loadCodeSystemFile,
  loadXlsxCodeList,
  parseCatalogueDate,
  parseCsvCodeList,
  parseFhirCodeSystem,
  TerminologyLoadError,
} from '@mekong/terminology';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mekong-terminology-'));
const columns: ColumnMapping = {
  code: 'MA',
  display: 'TEN',
  designations: [{ column: 'TEN_TA', language: 'en' }],
  properties: { unit: 'DVT' },
  effectiveFrom: 'TU_NGAY',
  effectiveTo: 'DEN_NGAY',
};

function refusal(run: () => unknown): TerminologyLoadError {
  try {
    run();
  } catch (error) {
    if (error instanceof TerminologyLoadError) return error;
    throw error;
  }
  throw new Error('expected a TerminologyLoadError');
}

async function refusalOf(run: () => Promise<unknown>): Promise<TerminologyLoadError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TerminologyLoadError);
  return error as TerminologyLoadError;
}

describe('catalogue dates', () => {
  it('reads ISO, BHYT (YYYYMMDD) and Vietnamese (DD/MM/YYYY) dates, and refuses impossible ones', () => {
    expect(parseCatalogueDate('2024-01-15')).toBe('2024-01-15');
    expect(parseCatalogueDate('20240115')).toBe('2024-01-15');
    expect(parseCatalogueDate('15/1/2024')).toBe('2024-01-15');
    expect(parseCatalogueDate('2024-02-30')).toBeUndefined();
    expect(parseCatalogueDate('31/04/2024')).toBeUndefined();
    expect(parseCatalogueDate('soon')).toBeUndefined();
  });
});

describe('CSV code lists', () => {
  const header = 'MA,TEN,TEN_TA,DVT,TU_NGAY,DEN_NGAY';

  it('keeps codes as text (leading zeros), with designations, properties and validity dates', () => {
    const csv = `\uFEFF${header}\n01001,"Khám bệnh, nội khoa",Consultation,lần,20240101,31/12/2025\n02.1896,Chụp X-quang,,,,\n`;
    expect(parseCsvCodeList('dv.csv', csv, { columns })).toEqual([
      {
        code: '01001',
        display: 'Khám bệnh, nội khoa',
        designations: [{ language: 'en', value: 'Consultation' }],
        properties: { unit: 'lần' },
        effective: { from: '2024-01-01', to: '2025-12-31' },
      },
      { code: '02.1896', display: 'Chụp X-quang' },
    ]);
  });

  it('reads another delimiter', () => {
    const csv = 'MA;TEN\nA;Một\n';
    expect(parseCsvCodeList('a.csv', csv, { columns: { code: 'MA', display: 'TEN' }, delimiter: ';' })).toEqual([
      { code: 'A', display: 'Một' },
    ]);
  });

  it('refuses bad input naming the file, line and column', () => {
    const of = (body: string) => refusal(() => parseCsvCodeList('dv.csv', `${header}\n${body}`, { columns })).message;
    expect(of('01,A,,,,\n,B,,,,\n')).toBe("dv.csv, line 3, column 'MA': the code is empty");
    expect(of('01,A,,,,\n01,B,,,,\n')).toBe(
      "dv.csv, line 3, column 'MA': the code '01' is already on line 2; a code appears once per version of a code list",
    );
    expect(of('01,,,,,\n')).toBe("dv.csv, line 2, column 'TEN': the code '01' has no display");
    expect(of('01,A,,,2024-13-01,\n')).toBe(
      "dv.csv, line 2, column 'TU_NGAY': '2024-13-01' is not a date (write YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)",
    );
    expect(of('01,A,,,2025-01-01,2024-01-01\n')).toBe(
      "dv.csv, line 2, column 'DEN_NGAY': the code '01' ends (2024-01-01) before it starts (2025-01-01)",
    );
    expect(of('01,A,,,\n')).toMatch(/^dv\.csv, line 2: not valid CSV: Invalid Record Length/);
    expect(of('01,"A"x,,,,\n')).toMatch(/^dv\.csv, line 2: not valid CSV: Invalid Closing Quote/);
    const missing = refusal(() => parseCsvCodeList('dv.csv', 'MA,NAME\n01,A\n', { columns })).message;
    expect(missing).toBe(
      "dv.csv, line 1, column 'TEN': the header has no such column (it has: MA, NAME); fix the file or the column mapping",
    );
    expect(refusal(() => parseCsvCodeList('e.csv', '', { columns })).message).toBe(
      'e.csv: the file is empty: a header row is needed',
    );
  });
});

describe('XLSX code lists', () => {
  async function workbook(name: string, rows: unknown[][], numberFormat?: string): Promise<string> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('DanhMuc');
    for (const row of rows) sheet.addRow(row);
    if (numberFormat) sheet.getColumn(1).numFmt = numberFormat;
    const file = join(dir, name);
    await book.xlsx.writeFile(file);
    return file;
  }
  const head = ['MA', 'TEN', 'TEN_TA', 'DVT', 'TU_NGAY', 'DEN_NGAY'];

  it('reads text codes with their leading zeros, and date cells as dates', async () => {
    const file = await workbook('ok.xlsx', [
      head,
      ['01001', 'Khám bệnh', 'Consultation', 'lần', new Date(Date.UTC(2024, 0, 1)), '20251231'],
      [],
      ['40.17', { richText: [{ text: 'Paracetamol ' }, { text: '500mg' }] }, null, null, null, null],
    ]);
    expect(await loadXlsxCodeList(file, { columns, sheet: 'DanhMuc' })).toEqual([
      {
        code: '01001',
        display: 'Khám bệnh',
        designations: [{ language: 'en', value: 'Consultation' }],
        properties: { unit: 'lần' },
        effective: { from: '2024-01-01', to: '2025-12-31' },
      },
      { code: '40.17', display: 'Paracetamol 500mg' },
    ]);
  });

  it('refuses a code typed in a number cell (its leading zeros are gone), naming the row and column', async () => {
    const file = await workbook('number.xlsx', [head, ['01001', 'A'], [1001, 'B']]);
    const error = await refusalOf(() => loadXlsxCodeList(file, { columns }));
    expect(error.message).toBe(
      `${file}, line 3, column 'MA': the code 1001 is stored as a number, so any leading zero is lost; format the column as Text and retype it`,
    );
    expect([error.line, error.column]).toEqual([3, 'MA']);
  });

  it('refuses a missing sheet, a missing column and a file that is not a workbook', async () => {
    const file = await workbook('cols.xlsx', [
      ['MA', 'TEN'],
      ['1', 'A'],
    ]);
    expect((await refusalOf(() => loadXlsxCodeList(file, { columns, sheet: 'Thuoc' }))).message).toBe(
      `${file}: no worksheet 'Thuoc' (the workbook has: DanhMuc)`,
    );
    expect((await refusalOf(() => loadXlsxCodeList(file, { columns }))).message).toMatch(
      /line 1, column 'TEN_TA': the header has no such column \(it has: MA, TEN\)/,
    );
    const text = join(dir, 'not.xlsx');
    writeFileSync(text, 'MA,TEN\n');
    expect((await refusalOf(() => loadXlsxCodeList(text, { columns }))).message).toMatch(
      /not a readable XLSX workbook/,
    );
  });
});

describe('FHIR JSON CodeSystems', () => {
  const resource = {
    resourceType: 'CodeSystem',
    id: 'bhyt-dv',
    url: 'https://example.org/CodeSystem/dv',
    version: '2024',
    name: 'DichVu',
    status: 'active',
    content: 'complete',
    concept: [
      {
        code: 'K',
        display: 'Khám bệnh',
        designation: [{ language: 'en', value: 'Consultation' }],
        property: [
          { code: 'effectiveDate', valueDateTime: '2024-01-01' },
          { code: 'retirementDate', valueDateTime: '2025-01-01' },
          { code: 'price', valueDecimal: 38.7 },
        ],
        concept: [{ code: 'K.1', display: 'Khám nội' }],
      },
    ],
  };

  it('flattens nested concepts (with a parent property) and reads validity from effectiveDate/retirementDate', () => {
    const cs = parseFhirCodeSystem('dv.json', JSON.stringify(resource));
    expect(cs).toMatchObject({ id: 'bhyt-dv', url: resource.url, version: '2024', name: 'DichVu' });
    expect(cs.concepts).toEqual([
      {
        code: 'K',
        display: 'Khám bệnh',
        designations: [{ language: 'en', value: 'Consultation' }],
        properties: { price: 38.7 },
        effective: { from: '2024-01-01', to: '2024-12-31' },
      },
      { code: 'K.1', display: 'Khám nội', properties: { parent: 'K' } },
    ]);
  });

  it('refuses invalid JSON naming the line, and a resource missing what it needs naming the element', () => {
    expect(refusal(() => parseFhirCodeSystem('dv.json', '{\n  "resourceType": "CodeSystem",\n  oops\n}')).line).toBe(3);
    const noDisplay = { ...resource, concept: [{ code: 'K', display: 'K' }, { code: 'X' }] };
    expect(refusal(() => parseFhirCodeSystem('dv.json', JSON.stringify(noDisplay))).message).toBe(
      "dv.json, column 'concept[1].display': Invalid input: expected string, received undefined",
    );
    const twice = {
      ...resource,
      concept: [
        { code: 'K', display: 'K' },
        { code: 'K', display: 'again' },
      ],
    };
    expect(refusal(() => parseFhirCodeSystem('dv.json', JSON.stringify(twice))).message).toBe(
      "dv.json, column 'concept': the code 'K' appears twice",
    );
    expect(refusal(() => parseFhirCodeSystem('p.json', '{"resourceType":"Patient"}')).column).toBe('resourceType');
  });

  it('loads through a file source, with the id overridden', async () => {
    const file = join(dir, 'dv.json');
    writeFileSync(file, JSON.stringify(resource));
    const cs = await loadCodeSystemFile({ format: 'fhir-json', file: 'dv.json', id: 'dich-vu' }, dir);
    expect([cs.id, cs.concepts.length]).toEqual(['dich-vu', 2]);
  });
});
