import type { TokenPair, TransitionKey, DocType } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { caseClient, pdf, TRANSFER_DOCS } from './cases.support';
import { spawnApp, type ChildApp } from './support-process';

/**
 * Races with real concurrency, on MariaDB (SQLite runs one write at a time, where a race test
 * passes whatever the code does): many requests on one case, two app instances working on
 * neighbouring cases, an extension racing a step.
 */
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let head: TokenPair;
let police: TokenPair;
let policeHead: TokenPair;
const instances: ChildApp[] = [];

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  await t.user('r.agency', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('r.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('r.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('r.police.head', 'SZ-FT-GA', ['police_head']);
  [agency, head, police, policeHead] = await Promise.all(['r.agency', 'r.head', 'r.police', 'r.police.head'].map((u) => t.login(u)));
  // Two more instances on the same database, as behind a load balancer.
  for (let i = 0; i < 2; i++) {
    instances.push(await spawnApp({ DB_TYPE: 'mysql', DB_NAME: process.env.DB_NAME!, SEED_ON_START: 'false', REMINDERS_ENABLED: 'false', AUDIT_SEAL_SECONDS: '0' }));
  }
});
afterAll(async () => {
  for (const i of instances) await i.stop();
  await t.stop();
});

async function call(base: string, who: TokenPair, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method, headers: { ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function upload(base: string, who: TokenPair, caseId: number, docType: DocType) {
  const form = new FormData();
  form.append('file', new Blob([pdf(`${docType} ${caseId}`)], { type: 'application/pdf' }), `${docType}.pdf`);
  const res = await fetch(`${base}/api/v1/cases/${caseId}/documents?docType=${docType}`, { method: 'POST', headers: bearer(who), body: form });
  return { status: res.status, body: await res.json() as Array<{ id: number }> };
}

test('eight officers act on one case at once: exactly one wins, the rest get 409, the timeline has no gap', async () => {
  for (let round = 0; round < 3; round++) {
    const created = await c.create(agency, `RACE-ONE-${round}`);
    await c.step(agency, created.id, 'submit_report', ['transfer_report']);
    const { version } = (await c.get(head, created.id)).body;
    const bases = [instances[0].base, instances[1].base];
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => call(bases[i % 2], head, 'POST', `/cases/${created.id}/actions`, {
      transition: i % 2 ? 'approve_transfer' : 'refuse_transfer', version, reason: '并发审批', documentIds: [],
    })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const detail = (await c.get(head, created.id)).body;
    expect(detail.timeline.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3]);
    expect(detail.version).toBe(version + 1);
  }
});

test('two instances, six officers, steps on neighbouring cases: no answer is a 5xx', async () => {
  const plan: Array<[TokenPair, TransitionKey, DocType[]]> = [
    [agency, 'submit_report', ['transfer_report']], [head, 'approve_transfer', []], [agency, 'transfer', TRANSFER_DOCS],
    [police, 'sign_receipt', ['receipt']], [police, 'request_supplement', []], [agency, 'supplement', ['other']],
    [policeHead, 'decide_file', ['notice']], [agency, 'hand_over', ['handover_list']],
  ];
  const statuses: number[] = [];
  const client = async (n: number) => {
    // Each officer works its own cases; the cases of all six are neighbours in every index.
    const ids: number[] = [];
    for (let k = 0; k < 4; k++) ids.push((await c.create(agency, `RACE-N-${n}-${k}`)).id);
    for (const [who, transition, docs] of plan) {
      for (const [k, id] of ids.entries()) {
        const base = instances[(n + k) % 2].base;
        const documentIds: number[] = [];
        for (const doc of docs) {
          const up = await upload(base, who, id, doc);
          statuses.push(up.status);
          if (up.status === 200) documentIds.push(...up.body.map((d) => d.id));
        }
        const current = await call(base, who, 'GET', `/cases/${id}`);
        statuses.push(current.status);
        const done = await call(base, who, 'POST', `/cases/${id}/actions`, { transition, version: current.body.version, reason: '依法办理', documentIds });
        statuses.push(done.status);
        expect(done.status).toBe(200);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, n) => client(n)));
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
  expect(statuses.length).toBeGreaterThan(6 * 4 * plan.length * 2);
});

test('an extension racing a step on the same case: one of them gets 409, never a 500 or both', async () => {
  // Cases waiting for the police decision (a task with a deadline that may be extended).
  const ready = await Promise.all(Array.from({ length: 15 }, async (_, round) => {
    const created = await c.create(agency, `RACE-EXT-${round}`);
    await c.step(agency, created.id, 'submit_report', ['transfer_report']);
    await c.step(head, created.id, 'approve_transfer');
    await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
    await c.step(police, created.id, 'sign_receipt', ['receipt']);
    const detail = (await c.get(policeHead, created.id)).body;
    const notice = await c.upload(policeHead, created.id, 'notice', [['notice.pdf', pdf('立案通知书')]]);
    return { id: created.id, version: detail.version as number, task: detail.tasks.find((x: { status: string }) => x.status === 'open').id as number, notice };
  }));
  for (const [round, r] of ready.entries()) {
    const [a, b] = [instances[round % 2].base, instances[(round + 1) % 2].base];
    const answers = await Promise.all([
      call(a, policeHead, 'POST', `/tasks/${r.task}/extensions`, { extension: 'economic', reason: '经济犯罪案件' }),
      call(b, policeHead, 'POST', `/cases/${r.id}/actions`, { transition: 'decide_file', version: r.version, documentIds: r.notice }),
    ]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    const after = (await c.get(policeHead, r.id)).body;
    expect(after.timeline.map((e: { seq: number }) => e.seq)).toEqual(after.timeline.map((_: unknown, i: number) => i + 1));
  }
});
