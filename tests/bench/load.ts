/**
 * The load driver: HTTP at N concurrent keep-alive connections, in a process of its own (forked
 * by the runner) so it never shares an event loop with the server it measures. The same driver
 * drives the platform and the raw-driver baseline. Requests stop at the deadline (or when a
 * one-shot list is used up); those still in flight get a grace period, then are aborted and
 * counted as timeouts.
 */
import * as http from 'http';
import { fork } from 'child_process';
import { summarize, type Latency } from './stats';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadJob {
  base: string;
  concurrency: number;
  durationMs: number;
  requests: RequestSpec[];
  /** Each request at most once (transitions on distinct cases); otherwise the list is cycled. */
  once: boolean;
  timeoutMs: number;
  graceMs: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  /** Connection errors and aborted requests. */
  errors: number;
  timeouts: number;
  elapsedMs: number;
  rps: number;
  latency: Latency;
  /** The first answer that was not 2xx, cut short. */
  sampleError: string | null;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let sampleError: string | null = null;
  let next = 0;
  let aborted = false;
  const started = performance.now();
  const deadline = started + job.durationMs;
  let lastDone = started;
  const inflight = new Set<http.ClientRequest>();

  const send = (spec: RequestSpec) => new Promise<void>((resolve) => {
    const t0 = performance.now();
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const req = http.request({
      host: url.hostname, port: url.port, method: spec.method, path: spec.path, agent,
      headers: { ...spec.headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        inflight.delete(req);
        const now = performance.now();
        lastDone = now;
        latencies.push(now - t0);
        const status = res.statusCode ?? 0;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        else sampleError ??= `${status} ${spec.method} ${spec.path}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`;
        resolve();
      });
      res.on('error', () => undefined);
    });
    inflight.add(req);
    req.setTimeout(job.timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      inflight.delete(req);
      if (aborted || err.message === 'timeout') timeouts++;
      else {
        errors++;
        sampleError ??= `${spec.method} ${spec.path}: ${err.message}`;
      }
      resolve();
    });
    req.end(body);
  });

  const worker = async () => {
    while (!aborted && performance.now() < deadline) {
      const i = next++;
      if (job.once && i >= job.requests.length) return;
      await send(job.requests[i % job.requests.length]);
    }
  };
  const workers = Promise.all(Array.from({ length: job.concurrency }, worker));
  // After the deadline, what is still in flight gets the grace period, then is aborted.
  const grace = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      aborted = true;
      for (const req of inflight) req.destroy(new Error('aborted'));
      resolve();
    }, job.durationMs + job.graceMs);
    void workers.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  await grace;
  await workers;
  agent.destroy();
  const elapsedMs = Math.max(1, lastDone - started);
  return {
    requests: latencies.length + errors + timeouts, ok, statuses, errors, timeouts, elapsedMs,
    rps: (ok * 1000) / elapsedMs, latency: summarize(latencies), sampleError,
  };
}

/** Run a job in a child process (this file, forked with the same TypeScript loader). */
export function runLoadInChild(job: LoadJob, execArgv: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | null = null;
    child.on('message', (m: { result?: LoadResult; error?: string }) => {
      if (m.result) result = m.result;
      else if (m.error) reject(new Error(`load driver: ${m.error}`));
    });
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`load driver exited with ${code}`))));
    child.send({ job });
  });
}

if (require.main === module && process.send) {
  // The runner is gone: so is this process.
  process.on('disconnect', () => process.exit(1));
  process.once('message', (m: { job: LoadJob }) => {
    runLoad(m.job).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (err: Error) => process.send!({ error: err.stack ?? err.message }, () => process.exit(1)),
    );
  });
}
