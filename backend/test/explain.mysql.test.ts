/**
 * The hot queries use their indexes on MariaDB (issue 8). Several thousand cases are generated
 * with multi-row INSERTs (enough for the optimiser to prefer an index to a scan); the SQL is the
 * SQL the platform sends, captured from TypeORM's logger while real requests run; each captured
 * statement is EXPLAINed. The same capture counts the statements of each request (after
 * authentication), with an upper bound that keeps round trips from creeping back.
 */
import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { sqlLog, type SqlLog, type Statement } from './support-sql-log';
import { caseClient, TRANSFER_DOCS } from './cases.support';

let t: TestApp;
let log: SqlLog;
let c: ReturnType<typeof caseClient>;
let procurator: TokenPair;
let cityProcurator: TokenPair;
let police: TokenPair;
let agency: TokenPair;
let agencyHead: TokenPair;

const CASES = 6000;
const NAMES = ['张三', '李四', '王五', '赵六', '钱七', '孙八', '周九', '吴十'];
/** Tables that grow with the number of cases: never read whole. */
const BIG = ['case_record', 'case_party_org', 'case_task', 'case_event', 'case_party', 'case_document', 'task_extension', 'filing', 'case_regulation'];
const AUTH = ['user_session', 'user_role', 'refresh_token', 'login_throttle'];

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  log = await sqlLog(t);

  await t.user('x.procurator', 'SZ-FT-JCY', ['procurator']);
  await t.user('x.city', 'SZ-JCY', ['procurator']);
  await t.user('x.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('x.agency', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('x.head', 'SZ-FT-SCJG', ['agency_head']);
  [procurator, cityProcurator, police, agency, agencyHead] = await Promise.all(['x.procurator', 'x.city', 'x.police', 'x.agency', 'x.head'].map((u) => t.login(u)));
  await generate();
}, 180_000);
afterAll(() => t.stop());

/** Cases over every agency (half of them Futian's), each with its scope rows, two parties, a task and three events. */
async function generate() {
  const agencies = await t.sql<{ id: number; region_id: number }>("SELECT id, region_id FROM organisation WHERE kind = '行政执法机关' AND status = 'active'");
  const routes = new Map((await t.sql<{ region_id: number; police_org_id: number; procuratorate_org_id: number }>('SELECT * FROM region_routing')).map((r) => [r.region_id, r]));
  const ft = (await t.org('SZ-FT-SCJG')).id;
  const states = ['draft', 'transferred', 'accepted', 'filed', 'closed', 'not_filed'];
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000 + rnd(3_000_000)).toISOString().replace('T', ' ').replace('Z', '');
  const cases: string[] = []; const scope: string[] = []; const parties: string[] = []; const tasks: string[] = []; const events: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const id = 100_000 + i;
    const agencyRow = rnd(2) === 0 ? agencies.find((a) => a.id === ft)! : agencies[rnd(agencies.length)];
    const route = routes.get(agencyRow.region_id);
    const state = states[rnd(states.length)];
    const policeId = state === 'draft' || !route ? null : route.police_org_id;
    const procId = route ? route.procuratorate_org_id : null;
    const created = at(i);
    cases.push(`(${id}, 'LFG${id}', 'G-${id}', '生成的案件 ${id}', 'transfer', '${state}', ${agencyRow.id}, ${agencyRow.region_id}, ${policeId ?? 'NULL'}, ${procId ?? 'NULL'}, 1, '${created}', '${created}')`);
    scope.push(`(${id}, 'agency', ${agencyRow.id}, '${state}', '${created}')`);
    if (policeId) scope.push(`(${id}, 'police', ${policeId}, '${state}', '${created}')`);
    if (procId) scope.push(`(${id}, 'procuratorate', ${procId}, '${state}', '${created}')`);
    parties.push(`(${id}, 'person', '${NAMES[rnd(NAMES.length)]}${i % 97}', NULL)`, `(${id}, 'company', '某某${i % 113}贸易有限公司', NULL)`);
    const open = rnd(10) < 3;
    const due = open && rnd(10) < 7 ? `'${at(i + rnd(2000))}'` : 'NULL';
    tasks.push(`(${id}, ${policeId ?? agencyRow.id}, '${state}', '办理', '${created}', ${due}, '${open ? 'open' : 'done'}', 1)`);
    for (let s = 1; s <= 3; s++) events.push(`(${id}, ${s}, 'create', '${state}', 1, ${agencyRow.id}, '生成', '生成单位', '{}', '${created}')`);
  }
  const insert = async (head: string, rows: string[]) => {
    for (let i = 0; i < rows.length; i += 1000) await t.sql(`${head} VALUES ${rows.slice(i, i + 1000).join(', ')}`);
  };
  await insert('INSERT INTO case_record (id, platform_no, agency_case_no, title, kind, state, agency_org_id, region_id, police_org_id, procuratorate_org_id, created_by, created_at, updated_at)', cases);
  await insert('INSERT INTO case_party_org (case_id, role, org_id, state, created_at)', scope);
  await insert('INSERT INTO case_party (case_id, kind, name, id_number)', parties);
  await insert('INSERT INTO case_task (case_id, org_id, state, title, started_at, due_at, status, opened_by_event_id)', tasks);
  await insert('INSERT INTO case_event (case_id, seq, transition, to_state, actor_user_id, actor_org_id, actor_name, actor_org_name, details, at)', events);
  for (const table of BIG) await t.sql(`ANALYZE TABLE ${table}`);
}

/** The first table a statement reads or writes. */
const mainTable = (sql: string) => /\b(?:FROM|INTO|UPDATE)\s+`?(\w+)`?/i.exec(sql)?.[1] ?? '';
const isWork = (sql: string) => !/^\s*(START TRANSACTION|COMMIT|ROLLBACK|SET TRANSACTION|SAVEPOINT|RELEASE)/i.test(sql)
  && !AUTH.includes(mainTable(sql)) && !/^\s*SELECT .* FROM `app_user` `User` WHERE/i.test(sql);

/**
 * The statements one request sends (authentication aside), on a warm instance: the request runs
 * once first, so what this instance caches (scope, names, rule versions) is in place.
 */
async function statementsOf(request: () => Promise<{ status: number }>, warm = true) {
  if (warm) await request();
  let status = 0;
  const sent = await log.capture(async () => { status = (await request()).status; });
  expect(status).toBe(200);
  return sent.filter((s) => isWork(s.sql));
}

interface Plan { id: number; select_type: string; table: string | null; type: string | null; key: string | null; rows: number | null; Extra: string | null }
const explain = (s: Statement) => t.sql<Plan>(`EXPLAIN ${s.sql}`, s.params);

/** No big table read whole, and (for a page) none sorted: the rows come in index order. */
function expectIndexed(plan: Plan[], opts: { sorted?: boolean } = {}) {
  for (const row of plan.filter((r) => r.table && BIG.includes(r.table))) {
    expect({ table: row.table, type: row.type }).not.toEqual({ table: row.table, type: 'ALL' });
    expect({ table: row.table, key: row.key }).not.toEqual({ table: row.table, key: null });
    if (opts.sorted === false) expect({ table: row.table, extra: row.Extra ?? '' }).not.toEqual({ table: row.table, extra: expect.stringContaining('filesort') });
  }
}
const keysOf = (plan: Plan[]) => plan.map((r) => r.key).filter(Boolean).join(',');
const find = (list: Array<{ sql: string }>, pattern: RegExp) => {
  const hit = list.filter((s) => pattern.test(s.sql));
  expect(hit.length).toBeGreaterThan(0);
  return hit as Array<{ sql: string; params: unknown[] }>;
};

test('the inbox: one grouped count and the page in index order, from (org_id, status, due_at)', async () => {
  const work = await statementsOf(() => t.http().get('/api/v1/tasks?pageSize=20').set(bearer(police)));
  expect(work.length).toBeLessThanOrEqual(4);
  const [counts] = find(work, /COUNT\(due_at\)/);
  const countPlan = await explain(counts);
  expectIndexed(countPlan);
  expect(keysOf(countPlan)).toContain('ix_case_task_org_status_due');
  expect(countPlan[0].Extra).toContain('Using index');
  const [page] = find(work, /FROM case_task WHERE org_id = \? AND status = \? AND due_at IS NOT NULL ORDER BY due_at, id/);
  const pagePlan = await explain(page);
  expectIndexed(pagePlan, { sorted: false });
  expect(pagePlan[0].key).toBe('ix_case_task_org_status_due');
  // The undated tasks follow the dated ones: read past the last dated task.
  const inbox = (await t.http().get('/api/v1/tasks?pageSize=100').set(bearer(police))).body;
  const lastPage = Math.ceil(inbox.total / 100);
  const undated = await statementsOf(() => t.http().get(`/api/v1/tasks?pageSize=100&page=${lastPage}`).set(bearer(police)));
  const [nulls] = find(undated, /due_at IS NULL ORDER BY id/);
  const nullPlan = await explain(nulls);
  expectIndexed(nullPlan, { sorted: false });
  expect(nullPlan[0].key).toBe('ix_case_task_org_status_due');
});

test('a case detail: at most six statements after authentication, each by an index', async () => {
  const [{ id }] = await t.sql<{ id: number }>("SELECT id FROM case_record WHERE agency_case_no = 'G-100010'");
  const work = await statementsOf(() => t.http().get(`/api/v1/cases/${id}`).set(bearer(procurator)));
  expect(work.length).toBeLessThanOrEqual(6);
  for (const s of work) expectIndexed(await explain(s));
  const [scoped] = find(work, /case_party_org/);
  expect(keysOf(await explain(scoped))).toMatch(/PRIMARY|ix_case_party_org_probe/);
});

test('the scope check of a case is a point probe of case_party_org (by the case or by (org_id, case_id))', async () => {
  const [{ id }] = await t.sql<{ id: number }>("SELECT id FROM case_record WHERE agency_case_no = 'G-100020'");
  // A district procuratorate: party to thousands of cases, so only a probe by the case is cheap.
  const work = await statementsOf(() => t.http().get(`/api/v1/cases/${id}/events`).set(bearer(procurator)));
  const [scoped] = find(work, /case_party_org/);
  const plan = await explain(scoped);
  expectIndexed(plan);
  expect(plan.find((r) => r.table === 'c')?.type).toBe('const');
  expect(plan.find((r) => r.table === 'scope_p')?.key).toMatch(/^(PRIMARY|ix_case_party_org_probe)$/);
});

describe('search as a procuratorate', () => {
  const search = async (who: TokenPair, query: string) => {
    const work = await statementsOf(() => t.http().get(`/api/v1/cases?${query}`).set(bearer(who)));
    expect(work.length).toBeLessThanOrEqual(5);
    const [page] = find(work, /LIMIT \? OFFSET \?$/);
    const [count] = find(work, /SELECT COUNT\(\*\) AS n FROM/);
    return { page: await explain(page), count: await explain(count) };
  };

  test.each([
    ['no filter', '', 'ix_case_party_org_org'],
    ['state', 'state=filed', 'ix_case_party_org_org_state'],
    ['date range', 'from=2024-02-01&to=2024-04-30', 'ix_case_party_org_org'],
    ['state and date range', 'state=closed&from=2024-02-01&to=2024-04-30', 'ix_case_party_org_org_state'],
  ])('%s: the page comes in index order from case_party_org', async (_, query, key) => {
    const { page, count } = await search(procurator, query);
    expectIndexed(page, { sorted: false });
    expect(page[0].key).toBe(key);
    expectIndexed(count);
  });

  test('number: the prefix match drives, the scope is a probe', async () => {
    const { page, count } = await search(procurator, 'no=G-1001');
    expectIndexed(page);
    expect(keysOf(page)).toContain('ix_case_record_agency_case_no');
    expect(keysOf(page)).toMatch(/PRIMARY|ix_case_party_org_probe/);
    expectIndexed(count);
  });

  test('a rare party name: its parties drive, the scope rows are a probe by case, page and count from one read', async () => {
    // 张三1 prefixes at most 11 in 97 of one name's parties: under the 2000 that let a name drive.
    const work = await statementsOf(() => t.http().get(`/api/v1/cases?party=${encodeURIComponent('张三1')}`).set(bearer(procurator)));
    expect(work.length).toBeLessThanOrEqual(4);
    const [few] = find(work, /FROM \(SELECT 1 FROM case_party WHERE name LIKE/);
    expect(keysOf(await explain(few))).toBe('ix_case_party_name');
    const [read] = find(work, /FROM case_party cp JOIN case_party_org p/);
    const plan = await explain(read);
    expectIndexed(plan);
    expect(plan.find((r) => r.table === 'cp')?.key).toBe('ix_case_party_name');
    expect(plan.find((r) => r.table === 'p')?.key).toBe('ix_case_party_org_probe');
    expect(work.filter((s) => /COUNT\(\*\) AS n FROM \(SELECT DISTINCT/.test(s.sql))).toEqual([]);
  });

  test('a common party name with state and dates: the scope drives, the name is a probe on (case_id, name), the count reads a bounded scope', async () => {
    // 某某 prefixes the 6000 company names: too many to drive.
    const query = `state=closed&from=2024-02-01&to=2024-04-30&party=${encodeURIComponent('某某')}`;
    const work = await statementsOf(() => t.http().get(`/api/v1/cases?${query}`).set(bearer(procurator)));
    expect(work.length).toBeLessThanOrEqual(5);
    const [page] = find(work, /LIMIT \? OFFSET \?$/);
    const pagePlan = await explain(page);
    expectIndexed(pagePlan, { sorted: false });
    expect(pagePlan[0].key).toBe('ix_case_party_org_org_state');
    expect(pagePlan.find((r) => r.table === 'cp')?.key).toBe('ix_case_party_case_name');
    const [count] = find(work, /SELECT COUNT\(\*\) AS scanned/);
    const countPlan = await explain(count);
    expectIndexed(countPlan);
    expect(keysOf(countPlan)).toContain('ix_case_party_org_org_state');
    expect(countPlan.find((r) => r.table === 'cp')?.key).toBe('ix_case_party_case_name');
  });

  test('a city procuratorate: one ordered read per region of its city, none sorted', async () => {
    const { page, count } = await search(cityProcurator, 'state=filed');
    expectIndexed(page, { sorted: false });
    expect(keysOf(page)).toContain('ix_case_record_region_state');
    expectIndexed(count);
  });

  test('more than 1000 matches: the total is a lower bound; the cursor walks on without repeats', async () => {
    const first = (await t.http().get('/api/v1/cases?pageSize=100').set(bearer(cityProcurator))).body;
    expect(first.total).toBe(1000);
    expect(first.totalIsLowerBound).toBe(true);
    const seen = new Set<number>(first.items.map((x: { id: number }) => x.id));
    let cursor = first.nextCursor;
    let previous = first.items[first.items.length - 1].createdAt;
    for (let i = 0; i < 3; i++) {
      const next = (await t.http().get(`/api/v1/cases?pageSize=100&cursor=${cursor}`).set(bearer(cityProcurator))).body;
      for (const x of next.items) {
        expect(seen.has(x.id)).toBe(false);
        expect(x.createdAt <= previous).toBe(true);
        seen.add(x.id);
        previous = x.createdAt;
      }
      cursor = next.nextCursor;
    }
    expect(seen.size).toBe(400);
    // A narrow filter is counted exactly.
    const exact = (await t.http().get('/api/v1/cases?no=G-10010').set(bearer(procurator))).body;
    expect(exact.totalIsLowerBound).toBe(false);
  });
});

test('a transition writes and answers in a bounded number of statements, the answer being what a read then shows', async () => {
  const created = await c.create(agency, 'X-2026-001');
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  await c.step(agencyHead, created.id, 'approve_transfer');
  const docs: number[] = [];
  for (const type of TRANSFER_DOCS) docs.push(...(await c.upload(agency, created.id, type, [[`${type}.pdf`, Buffer.from(`%PDF-1.4\n% ${type}\n%%EOF\n`)]])));
  const version = (await c.get(agency, created.id)).body.version;
  let answer: { body: unknown } = { body: null };
  const work = await statementsOf(async () => {
    const res = await t.http().post(`/api/v1/cases/${created.id}/actions`).set(bearer(agency)).send({ transition: 'transfer', version, documentIds: docs });
    answer = res;
    return res;
  }, false);
  // The transfer (routing, 备案, tasks, reminders, 通报, audit) and its answer.
  expect(work.length).toBeLessThanOrEqual(32);
  // No second read of the case row for the answer.
  expect(work.filter((s) => /FROM `?case_record`?/.test(s.sql) && /SELECT/.test(s.sql)).length).toBeLessThanOrEqual(1);
  expect(answer.body).toEqual((await c.get(agency, created.id)).body);
  const scope = await t.sql('SELECT role, org_id, state FROM case_party_org WHERE case_id = ? ORDER BY role', [created.id]);
  expect(scope.map((r: { role: string }) => r.role)).toEqual(['agency', 'police', 'procuratorate']);
  for (const r of scope) expect(r.state).toBe('transferred');
});

test('approving a transfer: a dozen statements in all, its answer included, each by an index', async () => {
  const created = await c.create(agency, 'X-2026-002');
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  // Warm: this instance has read the deadline rules and the calendar once.
  const warm = await c.create(agency, 'X-2026-003');
  await c.step(agency, warm.id, 'submit_report', ['transfer_report']);
  await c.step(agencyHead, warm.id, 'approve_transfer');
  const version = (await c.get(agency, created.id)).body.version;
  let res = { status: 0, body: {} as unknown };
  const captured = await log.capture(async () => {
    res = await t.http().post(`/api/v1/cases/${created.id}/actions`).set(bearer(agencyHead)).send({ transition: 'approve_transfer', version });
  });
  expect(res.status).toBe(200);
  const sent = captured.filter((s) => !AUTH.includes(mainTable(s.sql)) && !/^\s*SELECT .* FROM `app_user` `User` WHERE/i.test(s.sql));
  // START TRANSACTION, the locked case, its update, the timeline entry, the scope rows, the open
  // tasks, closing them, the new task, 通报, audit, COMMIT; the answer in one more read.
  expect(sent.length).toBeLessThanOrEqual(12);
  expect(sent.length).toBeGreaterThanOrEqual(3); // the capture saw the step (at least BEGIN, the lock, COMMIT)
  for (const s of sent.filter((x) => isWork(x.sql) && /^\s*SELECT/i.test(x.sql))) expectIndexed(await explain(s));
  expect(res.body).toEqual((await c.get(agency, created.id)).body);
});
