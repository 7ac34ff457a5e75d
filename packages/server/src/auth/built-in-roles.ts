import type { Interaction } from '@mekong/store';
import type { RoleDefinition } from './auth-config.js';

const READ: Interaction[] = ['read', 'vread', 'search', 'history'];
const WRITE: Interaction[] = ['create', 'update', 'patch'];
const ALL: Interaction[] = [...READ, ...WRITE, 'delete'];

// Data about a patient's care, written by clinicians.
const CLINICAL = [
  'AllergyIntolerance',
  'CarePlan',
  'CareTeam',
  'ClinicalImpression',
  'Communication',
  'Composition',
  'Condition',
  'DeviceRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'EpisodeOfCare',
  'FamilyMemberHistory',
  'Flag',
  'Goal',
  'ImagingStudy',
  'Immunization',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'NutritionOrder',
  'Observation',
  'Procedure',
  'QuestionnaireResponse',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
  'Task',
];
// Who the patient is and how the visit is paid and booked.
const REGISTRATION = ['Patient', 'RelatedPerson', 'Coverage', 'Account', 'Appointment'];
// The hospital's own catalogue: staff read it, administrators maintain it.
const DIRECTORY = [
  'ActivityDefinition',
  'CodeSystem',
  'Device',
  'HealthcareService',
  'Location',
  'Medication',
  'Organization',
  'PlanDefinition',
  'Practitioner',
  'PractitionerRole',
  'Questionnaire',
  'Schedule',
  'Slot',
  'Substance',
  'ValueSet',
];
const NURSING = [
  'CarePlan',
  'Communication',
  'Flag',
  'Goal',
  'MedicationAdministration',
  'Observation',
  'Procedure',
  'Specimen',
  'Task',
];
const PATIENT_FACING = [
  'AllergyIntolerance',
  'Appointment',
  'CarePlan',
  'Condition',
  'Coverage',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'ExplanationOfBenefit',
  'Goal',
  'Immunization',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'Observation',
  'Patient',
  'Procedure',
  'ServiceRequest',
];
// Terminology lookups (@mekong/terminology): code lists, not patient data, so every staff role may use them.
const TERMINOLOGY = ['$lookup', '$validate-code', '$expand'];
// What the front desk must not see or change of a visit: why the patient came and what was found.
const ENCOUNTER_CLINICAL = ['diagnosis', 'reasonCode', 'reasonReference', 'hospitalization.dischargeDisposition'];

/** The names of the roles every deployment has. */
export type BuiltInRoleName = 'admin' | 'clinician' | 'nurse' | 'receptionist' | 'auditor' | 'patient';

const rules = (types: readonly string[], interactions: Interaction[]) => types.map((type) => ({ type, interactions }));

/**
 * The roles every deployment has. A deployment's `auth.roles` adds roles or replaces these by name; to extend
 * one, spread it: `clinician: { ...builtInRoles.clinician, operations: [...builtInRoles.clinician.operations, '$summary'] }`.
 * - `admin`: everything, AuditEvents included, and every operation; manages the server.
 * - `clinician`: reads staff-visible data; writes clinical data and patients (no delete: records are corrected,
 *   never removed).
 * - `nurse`: reads like a clinician; writes observations, administrations, nursing care plans and tasks.
 * - `receptionist`: registers patients, coverage and appointments; opens encounters without seeing or changing
 *   their clinical fields; reads the directory; no clinical data.
 * - `auditor`: reads the audit trail (AuditEvent, Provenance) and nothing else.
 * - `patient`: reads their own record (patient context required).
 *
 * Clinicians, nurses and receptionists may also call the terminology operations (`$lookup`, `$validate-code`,
 * `$expand`): code lists are not patient data.
 */
export const builtInRoles: Readonly<Record<BuiltInRoleName, RoleDefinition>> = {
  admin: {
    description: 'Everything, including the audit trail and server management',
    admin: true,
    rules: [{ type: '*', interactions: ALL }],
    operations: ['*'],
  },
  clinician: {
    description: 'Reads staff-visible data, writes clinical data',
    admin: false,
    rules: [
      ...rules(CLINICAL, [...READ, ...WRITE]),
      ...rules(
        REGISTRATION.filter((type) => type !== 'Patient'),
        READ,
      ),
      { type: 'Patient', interactions: [...READ, 'update', 'patch'], readonlyFields: ['link'] },
      ...rules(DIRECTORY, READ),
    ],
    operations: ['$everything', '$validate', ...TERMINOLOGY],
  },
  nurse: {
    description: 'Reads staff-visible data, writes nursing data',
    admin: false,
    rules: [
      ...rules(
        CLINICAL.filter((type) => !NURSING.includes(type)),
        READ,
      ),
      ...rules(NURSING, [...READ, ...WRITE]),
      ...rules(REGISTRATION, READ),
      ...rules(DIRECTORY, READ),
    ],
    operations: ['$everything', '$validate', ...TERMINOLOGY],
  },
  receptionist: {
    description: 'Registration, coverage, appointments and visits, without clinical content',
    admin: false,
    rules: [
      ...rules(
        REGISTRATION.filter((type) => type !== 'Patient'),
        [...READ, ...WRITE],
      ),
      {
        type: 'Patient',
        interactions: [...READ, ...WRITE],
        readonlyFields: ['deceasedBoolean', 'deceasedDateTime', 'link'],
      },
      {
        type: 'Encounter',
        interactions: [...READ, ...WRITE],
        hiddenFields: ENCOUNTER_CLINICAL,
        readonlyFields: ENCOUNTER_CLINICAL,
      },
      { type: 'Slot', interactions: [...READ, 'update', 'patch'] },
      ...rules(
        DIRECTORY.filter((type) => type !== 'Slot'),
        READ,
      ),
    ],
    operations: ['$validate', ...TERMINOLOGY],
  },
  auditor: {
    description: 'Reads the audit trail',
    admin: false,
    rules: rules(['AuditEvent', 'Provenance'], READ),
    operations: [],
  },
  patient: {
    description: 'Reads their own record',
    admin: false,
    rules: rules(PATIENT_FACING, READ),
    operations: ['$everything'],
    compartment: 'patient-context',
  },
};
