import { HostBootError } from '@mekong/kernel';
import { createTestHost, startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { config, lisGatewayPlugin } from './failure-policy.js';
import { pharmacyPlugin, stockServiceRef, warfarinCheckPlugin } from './pharmacy.js';

describe('concepts guide', () => {
  it('pharmacy and its contributor boot in dependency order and share the stock service', async () => {
    const test = await startTestHost({ plugins: [warfarinCheckPlugin, pharmacyPlugin] });
    expect(test.report.plugins.map((p) => `${p.id}:${p.status}`)).toEqual([
      'pharmacy:started',
      'warfarin-check:started',
    ]);
    expect(test.get(stockServiceRef).available('N02BE01')).toBe(120);
  });

  it('check() reports what is wrong before anything runs', () => {
    const result = createTestHost({ plugins: [warfarinCheckPlugin] }).check();
    expect(result.problems.map((p) => p.message)).toEqual([
      "requires plugin 'pharmacy' ^0.1.0, which is not installed",
    ]);
  });

  it('a failure policy decides what a failing plugin does to the rest', async () => {
    const { report } = await startTestHost({ plugins: [pharmacyPlugin, lisGatewayPlugin], config });
    expect(report.status).toBe('started');
    expect(report.plugins.map((p) => [p.id, p.status, p.reason])).toEqual([
      ['pharmacy', 'started', undefined],
      ['lis-gateway', 'failed', 'analyser at 10.0.0.7:5000 did not answer'],
    ]);

    const strict = createTestHost({ plugins: [pharmacyPlugin, lisGatewayPlugin] });
    await expect(strict.start()).rejects.toBeInstanceOf(HostBootError);
  });
});
