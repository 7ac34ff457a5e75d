import { HostBootError } from '@mekong/kernel';
import { serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { createTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { squatterPlugin, strayPlugin } from './support/sample-plugins.js';
import { postgresUrl } from './support/server-host.js';

// Refused at boot: PostgreSQL (connecting is cheap), nothing written (the boot stops before any request).
async function bootWith(plugin: typeof strayPlugin): Promise<HostBootError> {
  const host = createTestHost({
    plugins: [storePlugin, serverPlugin, plugin],
    config: { plugins: { store: { databaseUrl: postgresUrl }, server: { port: 0 } } },
  });
  const error = await host.start().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HostBootError);
  return error as HostBootError;
}

describe('route prefixes', () => {
  it('refuses a route outside the plugin’s declared prefixes, naming the plugin and what to do', async () => {
    const error = await bootWith(strayPlugin);
    expect(error.message).toMatch(
      /\[stray\] contributes the route GET \/elsewhere\/x, outside the route prefixes it declares \(\/stray\)/,
    );
    expect((error.cause as { hint: string }).hint).toMatch(/capabilities\.routes of plugin 'stray'/);
  });

  it('refuses a prefix the server keeps', async () => {
    const error = await bootWith(squatterPlugin);
    expect(error.message).toMatch(/\[squatter\] declares the route prefix '\/fhir\/R4\/custom'/);
  });
});
