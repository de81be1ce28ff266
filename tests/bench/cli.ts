/**
 * `npm run bench [-- options]`: see README "Benchmarks".
 *   --cases N (1000000)  --seed N (8)  --orgs N (2000)  --due-share F (1)
 *   --rounds N (3)  --duration S (10)  --warmup S (3)  --connections N (50)  --timeout S (30)  --scan-timeout S (300)
 *   --data DIR  (kept between runs: generation once, many runs; default $TMPDIR/lfxj-bench/<cases>-s<seed>)
 *   --fresh     (generate again)
 *   --db-host H --db-port P --db-user U --db-password W  (an existing server instead of a private one)
 *   --server-arg OPT (repeatable: extra options for the private MariaDB)
 *   --record    (also write tests/bench/RESULTS.md)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runBench, stopAll, DEFAULTS, type BenchOptions } from './bench';

export function parseArgs(argv: string[]): { options: BenchOptions; record: boolean } {
  const o: BenchOptions = { ...DEFAULTS, dataDir: '', log: (line) => console.log(line) };
  let record = false;
  const ext: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${flag} needs a number`);
      return v;
    };
    switch (flag) {
      case '--cases': o.cases = Math.round(num()); break;
      case '--seed': o.seed = Math.round(num()); break;
      case '--orgs': o.orgs = Math.round(num()); break;
      case '--due-share': o.dueShare = num(); break;
      case '--rounds': o.rounds = Math.max(1, Math.round(num())); break;
      case '--duration': o.durationMs = num() * 1000; break;
      case '--warmup': o.warmupMs = num() * 1000; break;
      case '--connections': o.concurrency = Math.max(1, Math.round(num())); break;
      case '--timeout': o.timeoutMs = num() * 1000; break;
      case '--scan-timeout': o.scanTimeoutMs = num() * 1000; break;
      case '--data': o.dataDir = path.resolve(value()); break;
      case '--fresh': o.fresh = true; break;
      case '--record': record = true; break;
      case '--server-arg': o.serverArgs.push(value()); break;
      case '--db-host': ext.host = value(); break;
      case '--db-port': ext.port = value(); break;
      case '--db-user': ext.user = value(); break;
      case '--db-password': ext.password = value(); break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  o.serverArgs = [...o.serverArgs];
  if (ext.host || ext.port) {
    o.external = { host: ext.host ?? '127.0.0.1', port: Number(ext.port ?? 3306), user: ext.user ?? 'root', password: ext.password ?? '' };
  }
  o.dataDir ||= path.join(os.tmpdir(), 'lfxj-bench', `${o.cases}-s${o.seed}`);
  return { options: o, record };
}

export const RESULTS_DIR = path.join(__dirname, 'results');
export const RESULTS_MD = path.join(__dirname, 'RESULTS.md');

if (require.main === module) {
  // Interrupted: stop the servers it started (the private MariaDB, the platform, the raw server) first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  (async () => {
    const { options, record } = parseArgs(process.argv.slice(2));
    const report = await runBench(options);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${report.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\n${report.markdown}\n\nJSON: ${file}`);
    if (record) {
      const intro = fs.existsSync(RESULTS_MD) ? fs.readFileSync(RESULTS_MD, 'utf8').split('\n<!-- results -->')[0] : '# Benchmark results\n';
      fs.writeFileSync(RESULTS_MD, `${intro}\n<!-- results -->\n\n${report.markdown}\n`);
      console.log(`Recorded in ${RESULTS_MD}`);
    }
    process.exit(0);
  })().catch((err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
