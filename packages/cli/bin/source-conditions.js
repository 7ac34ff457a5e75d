// A module resolution hook: resolves workspace packages to their sources (the `mekong-source` export condition).
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'mekong-source'] });
}
