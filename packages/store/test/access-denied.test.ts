import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../src/index.js';

describe('AccessDeniedError names who was refused and what to change', () => {
  it('a plugin on its own: its declared types', () => {
    const error = new AccessDeniedError({ agent: { kind: 'plugin', id: 'lab' }, plugin: 'lab' }, 'read', 'Patient');
    expect(error.message).toBe("plugin 'lab' may not read Patient: it is not among the resource types it may read");
    expect(error.hint).toBe("declare 'Patient' in capabilities.resources.read of plugin 'lab'");
  });

  it('a caller: its access policy', () => {
    const error = new AccessDeniedError(
      { agent: { kind: 'user', id: 'u-1' }, client: 'tablet' },
      'search',
      'Condition',
    );
    expect(error.message).toBe(
      "user 'u-1' (client 'tablet') may not search Condition: its access policy does not allow search on Condition",
    );
  });

  it('a caller through a plugin: the caller first, never blaming a plugin that declares the type', () => {
    const context = { agent: { kind: 'system' as const, id: 'api-key/k1' }, plugin: 'patient-summary' };
    const error = new AccessDeniedError(context, 'search', 'Condition');
    expect(error.message).toBe(
      "system 'api-key/k1' through plugin 'patient-summary' may not search Condition: the caller's access policy, narrowed to the types the plugin declares, does not allow search on Condition",
    );
    expect(error.hint).toBe(
      "the caller needs a role that allows search on Condition; if it has one, declare 'Condition' in capabilities.resources.read of plugin 'patient-summary'",
    );
    const outside = new AccessDeniedError(context, 'read', 'Patient/p2', 'it is about another patient');
    expect(outside.message).toMatch(/^system 'api-key\/k1' through plugin 'patient-summary' may not read Patient\/p2/);
  });
});
