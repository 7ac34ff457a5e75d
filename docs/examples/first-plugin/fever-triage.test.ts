import { triagePlugin } from '@district-hospital/plugin-triage';
import { triageAssessmentServiceRef } from '@district-hospital/plugin-triage-api';
import { startTestHost } from '@mekong/testing';
import { expect, it } from 'vitest';
import { feverTriagePlugin } from './fever-triage.js';

it('marks a febrile patient as level 3', async () => {
  const test = await startTestHost({ plugins: [triagePlugin, feverTriagePlugin] });
  const triage = test.get(triageAssessmentServiceRef);

  expect(triage.assess({ temperatureCelsius: 39.2 }).level).toBe(3);
  expect(triage.assess({ temperatureCelsius: 36.8 }).level).toBe(4);
});

it('takes its threshold from the host config', async () => {
  const test = await startTestHost({
    plugins: [triagePlugin, feverTriagePlugin],
    config: { plugins: { 'fever-triage': { feverFromCelsius: 39.5 } } },
  });

  expect(test.get(triageAssessmentServiceRef).assess({ temperatureCelsius: 39.2 }).level).toBe(4);
});

it('refuses a threshold outside its schema, naming the config path', async () => {
  await expect(
    startTestHost({
      plugins: [triagePlugin, feverTriagePlugin],
      config: { plugins: { 'fever-triage': { feverFromCelsius: 45 } } },
    }),
  ).rejects.toThrow(/config plugins\.fever-triage\.feverFromCelsius: /);
});
