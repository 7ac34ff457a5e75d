#!/usr/bin/env node
// tsx loads the deployment's mekong.config.ts (TypeScript, no build). Published, the package runs its build
// (dist/); in the Mekong repository, where src/ sits beside this file, it runs the sources, and workspace packages
// resolve to their sources through the `mekong-source` export condition.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const sources = new URL('../src/main.ts', import.meta.url);
const fromSources = existsSync(sources);
if (fromSources) register('./source-conditions.js', import.meta.url);
registerTsx();
await import(fromSources ? sources.href : '../dist/main.js');
