import { triageRulesExtensionPoint } from '@district-hospital/plugin-triage-api';
import { startTestHost } from '@mekong/testing';
import { expect, it } from 'vitest';
import { feverTriagePlugin } from './fever-triage.js';

it('contributes its fever rule, tested without the triage plugin', async () => {
  const test = await startTestHost({
    plugins: [feverTriagePlugin],
    extensionPoints: [[triageRulesExtensionPoint]],
  });
  const [fever] = test.contributions(triageRulesExtensionPoint);

  expect(fever?.pluginId).toBe('fever-triage');
  expect(fever?.value.evaluate({ temperatureCelsius: 39.2 })).toEqual({ level: 3, reason: 'fever 39.2 °C' });
  expect(fever?.value.evaluate({ temperatureCelsius: 36.8 })).toBeUndefined();
});
