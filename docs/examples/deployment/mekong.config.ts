// A hospital's deployment: `mekong start` (and doctor, migrate, token) read it from the folder they run in.
import { defineDeployment } from '@mekong/cli';
import { builtInRoles, type ServerConfigInput, serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { patientSummaryPlugin } from './patient-summary.js';

const env = process.env;

// The server's section, typed: an editor checks it as you write it; the host validates it again at start.
export const server: ServerConfigInput = {
  host: '0.0.0.0',
  port: Number(env.PORT ?? 8080),
  baseUrl: 'https://his.bvhuyen.example.vn',
  trustProxy: true, // behind the hospital's reverse proxy
  auth: {
    // Staff sign in at the hospital's identity provider; systems use API keys (mekong token create).
    jwt: {
      issuer: 'https://sso.bvhuyen.example.vn/realms/staff',
      audience: 'mekong',
      jwksUrl: 'https://sso.bvhuyen.example.vn/realms/staff/protocol/openid-connect/certs',
    },
    roles: {
      // A built-in role, extended: clinicians may also invoke the plugin's $summary.
      clinician: { ...builtInRoles.clinician, operations: [...builtInRoles.clinician.operations, '$summary'] },
      // A role of this hospital: a social-insurance (BHYT) assessor reviewing claims sees the clinical
      // record of the patients on their key, without contact details.
      'bhyt-assessor': {
        description: 'Reviews BHYT claims: the records of the patients named on the key, no contact details',
        rules: [
          { type: 'Patient', interactions: ['read'], hiddenFields: ['telecom', 'address', 'contact'] },
          { type: 'Condition', interactions: ['read', 'search'] },
          { type: 'Observation', interactions: ['read', 'search'] },
        ],
        operations: ['$summary'],
        compartment: 'patient-context',
      },
    },
  },
};

export default defineDeployment({
  plugins: [storePlugin, serverPlugin, patientSummaryPlugin],
  config: {
    kernel: { logLevel: 'warn' },
    plugins: {
      // PostgreSQL for a hospital; embedded PGlite in a folder for a clinic or a demo.
      store: env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.MEKONG_DATA_DIR ?? '.mekong-data' },
      server,
    },
  },
});
