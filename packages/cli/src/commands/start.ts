import { formatBootReport, type Host, HostBootError } from '@mekong/kernel';
import { serverServiceRef } from '@mekong/server';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import type { Output } from '../output/output.js';

/**
 * `mekong start`: boots the deployment, prints the boot report, and runs until SIGINT or SIGTERM, then stops
 * every plugin in reverse dependency order. Resolves with the exit code once stopped.
 */
export async function start(deployment: Deployment, out: Output): Promise<number> {
  const host = hostOf(deployment);
  out.line(`starting ${deployment.plugins.length} plugin(s)...`);
  let report: Awaited<ReturnType<typeof host.start>>;
  try {
    report = await host.start();
  } catch (error) {
    if (error instanceof HostBootError) out.error(formatBootReport(error.report));
    throw error;
  }
  out.line(formatBootReport(report));
  for (const line of serverLines(host)) out.line(line);
  out.line('\nMekong is running. Press Ctrl+C to stop.');
  // A deployment without a listening server holds no handle open: keep the process alive until a signal.
  const alive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  clearInterval(alive);
  out.line(`\n${signal} received: stopping...`);
  const stopped = await host.stop();
  const problems = stopped.plugins.flatMap((p) => [...p.timedOut.map((l) => `${p.id}: ${l} timed out`), ...p.errors]);
  for (const problem of problems) out.error(`  ${problem}`);
  out.line(`stopped in ${stopped.totalMs.toFixed(1)} ms`);
  return problems.length === 0 ? 0 : 1;
}

/** Where to reach the server and how to get a key, when the deployment has a server. */
function serverLines(host: Host): string[] {
  if (host.report?.plugins.find((p) => p.id === 'server')?.status !== 'started') return [];
  const { url, bootstrapKey } = host.get(serverServiceRef);
  return [
    '',
    `FHIR R4 API     ${url}/fhir/R4/metadata`,
    `API reference   ${url}/docs`,
    `Health          ${url}/readyz`,
    '',
    ...(bootstrapKey
      ? [
          'Administrator API key, shown this once (keep it; set MEKONG_BOOTSTRAP_API_KEY to choose your own):',
          `  ${bootstrapKey}`,
        ]
      : ['Create API keys with the administrator key (POST /admin/api-keys) or `mekong token create`.']),
    `Try: curl -H "Authorization: Bearer <key>" "${url}/fhir/R4/Patient?name=nguyen"`,
  ];
}
