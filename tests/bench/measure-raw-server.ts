/** The raw-driver baseline on a running database, for measure-paths.ts: `… measure-raw-server.ts <dbPort>` prints its base URL. */
import { startRaw } from './servers';

startRaw({ host: '127.0.0.1', port: Number(process.argv[2]), user: 'root', password: '', database: 'lfxj_bench' })
  .then((r) => console.log(r.base), (e: Error) => { console.error(e); process.exit(1); });
