import { coreServices, definePlugin, type HostConfig, optional } from '@mekong/kernel';
import { stockServiceRef } from './pharmacy.js';

// A gateway to the laboratory analysers. If the analysers are unreachable at boot, the hospital should
// still open: the policy `continue` disables this plugin (and what requires it) instead of aborting.
export const lisGatewayPlugin = definePlugin({
  id: 'lis-gateway',
  version: '0.1.0',
  kernel: '^0.1.0',
  optionalDependencies: { pharmacy: '^0.1.0' },
  register(env) {
    env.registerInit({
      deps: { stock: optional(stockServiceRef), log: coreServices.logger },
      async init({ stock, log }) {
        // optional(): stock is StockService | undefined, undefined when pharmacy is not installed.
        log.info({ pharmacy: stock !== undefined }, 'connecting to the analysers');
        throw new Error('analyser at 10.0.0.7:5000 did not answer');
      },
    });
  },
});

export const config: HostConfig = {
  kernel: {
    onPluginBootFailure: 'abort',
    plugins: { 'lis-gateway': { onPluginBootFailure: 'continue', initTimeoutMs: 5_000 } },
  },
};
