/**
 * One pass of the platform's own reminder scan, in a process of its own: the built app boots as
 * `npm start` does (its HTTP port unused), then RemindersService.scanReport() runs once, timed.
 * Forked by the runner with the database settings in the environment; it waits for the runner's
 * go between booting and scanning.
 */
import * as path from 'path';
import { BACKEND_DIST } from './servers';

interface ScanReport { pages: number; tasks: number; written: number; failedTaskIds: number[]; stopped: string | null }
interface Reminders { scanReport: () => Promise<ScanReport | null> }
interface Container { getAsync: (cls: unknown) => Promise<Reminders> }

async function main(): Promise<{ ms: number; report: ScanReport | null }> {
  const { Bootstrap } = await import('@midwayjs/bootstrap');
  const core = await import('@midwayjs/core');
  await Bootstrap.configure({ baseDir: BACKEND_DIST }).run();
  const { RemindersService } = await import(path.join(BACKEND_DIST, 'modules/reminders/reminders.service.js'));
  const container = core.getCurrentApplicationContext() as unknown as Container;
  const reminders = await container.getAsync(RemindersService);
  // Booted: the runner reads the server's counters now, then says go (so the boot's statements are not counted).
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!({ ready: true });
  });
  const started = performance.now();
  const report = await reminders.scanReport();
  const ms = Math.round(performance.now() - started);
  await Bootstrap.stop();
  return { ms, report };
}

if (require.main === module && process.send) {
  // The runner is gone: so is this process.
  process.on('disconnect', () => process.exit(1));
  main().then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.stack ?? err.message }, () => process.exit(1)),
  );
}
