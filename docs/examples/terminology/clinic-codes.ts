import { fileURLToPath } from 'node:url';
import { createServiceFactory, createServiceRef, definePlugin } from '@mekong/kernel';
import {
  ICD10_SYSTEM,
  terminologyCodeSystemsExtensionPoint,
  terminologyServiceRef,
  type ValidateCodeResult,
} from '@mekong/terminology';

export const CONSULTATIONS = 'https://benhvien.example.vn/fhir/CodeSystem/kham-benh';
export const OUTPATIENT_DIAGNOSES = 'https://benhvien.example.vn/fhir/ValueSet/chan-doan-ngoai-tru';

/** What the clinic checks before it bills a visit. */
export interface VisitCheck {
  readonly consultation: ValidateCodeResult;
  readonly diagnosis: ValidateCodeResult;
}

/** Checks a visit's codes on the day of the visit. */
export interface VisitChecker {
  check(consultation: string, diagnosis: string, date: string): VisitCheck;
}

export const visitCheckerServiceRef = createServiceRef<VisitChecker>({ id: 'clinic-codes.visits' });

export const clinicCodesPlugin = definePlugin({
  id: 'clinic-codes',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { terminology: '^0.1.0' },
  register(env) {
    // Data, not code: pre-flight sees it, and the terminology plugin loads it when it starts.
    env.contribute(terminologyCodeSystemsExtensionPoint, {
      value: {
        codeSystems: [
          {
            format: 'csv',
            file: fileURLToPath(new URL('./data/kham-benh.csv', import.meta.url)),
            id: 'kham-benh',
            url: CONSULTATIONS,
            version: '2025',
            name: 'KhamBenh',
            language: 'vi',
            valueSet: `${CONSULTATIONS}/vs`,
            columns: { code: 'MA_DICH_VU', display: 'TEN_DICH_VU', effectiveFrom: 'TU_NGAY', effectiveTo: 'DEN_NGAY' },
          },
        ],
        valueSets: [
          {
            id: 'chan-doan-ngoai-tru',
            url: OUTPATIENT_DIAGNOSES,
            version: '1',
            name: 'ChanDoanNgoaiTru',
            include: [{ system: ICD10_SYSTEM, concepts: ['I10', 'E11', 'J18', 'K29', 'M54'] }],
          },
        ],
      },
    });
    env.provideService(
      createServiceFactory({
        service: visitCheckerServiceRef,
        deps: { terminology: terminologyServiceRef },
        factory: ({ terminology }) => ({
          // Synchronous and in memory: cheap enough for every visit.
          check: (consultation, diagnosis, date) => ({
            consultation: terminology.validateCode({ system: CONSULTATIONS, code: consultation, date }),
            diagnosis: terminology.validateValueSetCode({ valueSet: OUTPATIENT_DIAGNOSES, code: diagnosis, date }),
          }),
        }),
      }),
    );
  },
});
