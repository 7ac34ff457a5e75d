import type { Scenario } from './load.js';
import { CITIZEN_ID, citizenIdOf, patientOf } from './patients.js';

/** Patients 0..CREATE_BODIES-1 are posted in turn by the create scenario. */
const CREATE_BODIES = 5_000;
/** The read and search scenarios go over patients READ_SET_FROM.. (created before the runs). */
export const READ_SET_FROM = 1_000_000;

const bodies = Array.from({ length: CREATE_BODIES }, (_, i) => JSON.stringify(patientOf(i)));

/** The headers of every request; the baseline ignores the credential. */
export const headersFor = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  accept: 'application/fhir+json',
  'content-type': 'application/fhir+json',
});

/** `POST /fhir/R4/Patient` with a different patient each time. */
export const createScenario = (headers: Record<string, string>): Scenario => ({
  method: 'POST',
  headers,
  next: (i) => ({ path: '/fhir/R4/Patient', body: bodies[i % CREATE_BODIES] as string }),
  status: 201,
});

// A stride through the set so consecutive requests read different rows.
const rotate = (i: number, n: number) => (i * 7919) % n;

/** `GET /fhir/R4/Patient/<id>` over `ids`. */
export const readScenario = (headers: Record<string, string>, ids: readonly string[]): Scenario => ({
  method: 'GET',
  headers,
  next: (i) => ({ path: `/fhir/R4/Patient/${ids[rotate(i, ids.length)]}` }),
  status: 200,
});

/** The search path for patient `i` by citizen ID: one match. */
export const searchPath = (i: number): string =>
  `/fhir/R4/Patient?identifier=${encodeURIComponent(`${CITIZEN_ID}|${citizenIdOf(i)}`)}`;

/** `GET /fhir/R4/Patient?identifier=system|value` over the read set's citizen IDs. */
export const searchScenario = (headers: Record<string, string>, count: number): Scenario => ({
  method: 'GET',
  headers,
  next: (i) => ({ path: searchPath(READ_SET_FROM + rotate(i, count)) }),
  status: 200,
});
