// The district hospital as `mekong start` runs it (`pnpm start` at the repository root).
import { defineDeployment } from '@mekong/cli';
import { demoData } from './src/demo/demo-data.js';
import { deploymentConfig, plugins } from './src/deployment.js';

export default defineDeployment({ plugins, config: deploymentConfig(), seed: demoData });
