/**
 * Test harness for Mekong plugins: start a host with your plugins in a test, replace any service, and
 * have it stopped after the test file; give a test a PostgreSQL schema of its own.
 *
 * @packageDocumentation
 */
export type { PostgresSchema } from './postgres-schema.js';
export { createPostgresSchema, testPostgresUrl } from './postgres-schema.js';
export type { TestHost, TestHostOptions } from './start-test-host.js';
export { createTestHost, startTestHost } from './start-test-host.js';
export type { CapturedLog, ManualClock } from './test-services.js';
export { createManualClock, testServices } from './test-services.js';
