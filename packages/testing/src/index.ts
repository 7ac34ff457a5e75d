/**
 * Test harness for Mekong plugins: start a host with your plugins in a test, replace any service, fake the
 * owner of an extension point to test a contribution alone, and have the host stopped after the test file
 * (under vitest, jest, mocha or `node --test`; it imports under any runner); give a test a PostgreSQL schema
 * of its own.
 *
 * @packageDocumentation
 */

export { stopTestHosts } from './cleanup.js';
export type { ExtensionPointFake, ReceiveContributions } from './extension-point-fakes.js';
export type { PostgresSchema } from './postgres-schema.js';
export { createPostgresSchema, testPostgresUrl } from './postgres-schema.js';
export type { TestHost, TestHostOptions } from './start-test-host.js';
export { createTestHost, startTestHost } from './start-test-host.js';
export type { CapturedLog, ManualClock } from './test-services.js';
export { createManualClock, testServices } from './test-services.js';
