import { formatBootReport, HostBootError, MekongError, PreflightError } from '@mekong/kernel';
import { createDeployment } from './deployment.js';

// Starts the district-hospital deployment, prints its boot report, and runs until SIGINT or SIGTERM.
const host = createDeployment();
try {
  const report = await host.start();
  console.log(formatBootReport(report));
  console.log('\nMekong is running. Press Ctrl+C to stop.');
} catch (error) {
  if (error instanceof HostBootError) console.error(formatBootReport(error.report));
  if (error instanceof PreflightError || error instanceof MekongError) {
    console.error(`\n${error.message}\nhint: ${error.hint}`);
  } else {
    console.error(error);
  }
  process.exit(1);
}

const shutdown = async (signal: string) => {
  console.log(`\n${signal} received: stopping...`);
  const stopped = await host.stop();
  console.log(`stopped in ${stopped.totalMs.toFixed(1)} ms`);
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
// A host without a server has nothing keeping the event loop alive; this timer does until a signal comes.
setInterval(() => {}, 1 << 30);
