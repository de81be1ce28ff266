/**
 * Issue 8, the case side's query shapes: the scope table follows every change of a case's
 * parties and state in the same transaction; the timeline is paged; the inbox puts undated tasks
 * last across page boundaries; the search pages by cursor within the viewer's scope.
 */
import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { caseClient } from './cases.support';
import { CASE_SCOPE_FILL } from '../src/db/migrations/1765000000000-CaseScope';

let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let agencyHead: TokenPair;
let police: TokenPair;
let nsPolice: TokenPair;
let procurator: TokenPair;
let cityProcurator: TokenPair;
let foreign: TokenPair;

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  await t.user('q.agency', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('q.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('q.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('q.ns', 'SZ-NS-GA', ['police_officer']);
  await t.user('q.jcy', 'SZ-FT-JCY', ['procurator']);
  await t.user('q.city', 'SZ-JCY', ['procurator']);
  await t.user('q.foreign', 'SZ-NS-SCJG', ['agency_officer']);
  [agency, agencyHead, police, nsPolice, procurator, cityProcurator, foreign] = await Promise.all(
    ['q.agency', 'q.head', 'q.police', 'q.ns', 'q.jcy', 'q.city', 'q.foreign'].map((u) => t.login(u)));
});
afterAll(() => t.stop());

const transferred = (no: string) => c.transferred(agency, agencyHead, no);

/** Every case's scope rows against its columns: the rows a search and every scope check rely on. */
async function scopeMismatches() {
  return t.sql(`SELECT c.id FROM case_record c WHERE
      (SELECT COUNT(*) FROM case_party_org p WHERE p.case_id = c.id) <> (CASE WHEN c.agency_org_id IS NULL THEN 0 ELSE 1 END
        + CASE WHEN c.police_org_id IS NULL THEN 0 ELSE 1 END + CASE WHEN c.procuratorate_org_id IS NULL THEN 0 ELSE 1 END
        + CASE WHEN c.supervisory_org_id IS NULL THEN 0 ELSE 1 END)
      OR EXISTS (SELECT 1 FROM case_party_org p WHERE p.case_id = c.id AND (p.state <> c.state OR p.created_at <> c.created_at OR p.org_id <> CASE p.role
        WHEN 'agency' THEN c.agency_org_id WHEN 'police' THEN c.police_org_id WHEN 'procuratorate' THEN c.procuratorate_org_id ELSE c.supervisory_org_id END))`);
}

const listed = async (who: TokenPair, query = '') =>
  ((await t.http().get(`/api/v1/cases?pageSize=100${query}`).set(bearer(who))).body.items as Array<{ id: number }>).map((x) => x.id);

describe('the scope table', () => {
  test('follows registration, transfer, 转送 and a lead, with the state of every step', async () => {
    const created = await c.create(agency, 'Q-2026-001');
    expect(await scopeMismatches()).toEqual([]);
    const id = await transferred('Q-2026-002');
    expect(await scopeMismatches()).toEqual([]);
    expect(await listed(police, '&state=transferred')).toContain(id);

    // 转送: the new police body finds the case in its search, the old one no longer does.
    await c.step(police, id, 'forward_to_competent', ['notice'], { policeOrgId: (await t.org('SZ-NS-GA')).id });
    expect(await scopeMismatches()).toEqual([]);
    expect(await listed(nsPolice)).toContain(id);
    expect(await listed(police)).not.toContain(id);
    expect((await c.get(nsPolice, id)).status).toBe(200);
    expect((await c.get(police, id)).status).toBe(404);

    // A lead to the supervisory commission adds it as a party.
    await c.step(agency, created.id, 'refer_lead', [], { reason: '发现职务违法线索' });
    expect((await t.sql("SELECT role FROM case_party_org WHERE case_id = ? AND role = 'supervisory'", [created.id])).length).toBe(1);
    expect(await scopeMismatches()).toEqual([]);
  });

  test('the city procuratorate sees its city by region, others nothing of it', async () => {
    const id = await transferred('Q-2026-003');
    expect(await listed(cityProcurator)).toContain(id);
    expect(await listed(procurator)).toContain(id);
    expect(await listed(foreign)).not.toContain(id);
    expect(await listed(foreign, `&no=Q-2026`)).toEqual([]);
    expect((await c.get(foreign, id)).status).toBe(404);
    expect((await t.http().get(`/api/v1/cases/${id}/events`).set(bearer(foreign))).status).toBe(404);
  });

  test('the migration fills it for cases that existed before', async () => {
    const before = await t.sql('SELECT COUNT(*) AS n FROM case_party_org');
    await t.sql('DELETE FROM case_party_org');
    for (const sql of CASE_SCOPE_FILL) await t.sql(sql);
    expect((await t.sql('SELECT COUNT(*) AS n FROM case_party_org'))[0].n).toEqual(before[0].n);
    expect(await scopeMismatches()).toEqual([]);
    expect((await t.sql('SELECT COUNT(*) AS n FROM case_party_org'))[0].n).not.toBe(0);
  });
});

test('the timeline: the latest 50 in the detail, earlier ones page by page', async () => {
  const created = await c.create(agency, 'Q-2026-010');
  const rows = Array.from({ length: 70 }, (_, i) => `(${created.id}, ${i + 2}, 'create', 'draft', ${agency.user.id}, ${agency.user.orgId}, '测试', '测试单位', '{}', '2026-01-01 00:00:00.000')`);
  await t.sql(`INSERT INTO case_event (case_id, seq, transition, to_state, actor_user_id, actor_org_id, actor_name, actor_org_name, details, at) VALUES ${rows.join(', ')}`);
  const detail = (await c.get(agency, created.id)).body;
  expect(detail.timeline.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 22));
  expect(detail.timelineHasMore).toBe(true);
  const page = (await t.http().get(`/api/v1/cases/${created.id}/events?before=22&limit=15`).set(bearer(agency))).body;
  expect(page.items.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 7));
  expect(page.hasMore).toBe(true);
  const rest = (await t.http().get(`/api/v1/cases/${created.id}/events?before=7`).set(bearer(agency))).body;
  expect(rest.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(rest.hasMore).toBe(false);
});

test('the inbox: dated tasks by due date, then undated ones, across page boundaries; counts from one pass', async () => {
  const orgId = (await t.org('SZ-LH-GA')).id;
  await t.user('q.lh', 'SZ-LH-GA', ['police_officer']);
  const lh = await t.login('q.lh');
  const created = await c.create(agency, 'Q-2026-020');
  const now = t.clock.now().getTime();
  const at = (ms: number) => `'${new Date(now + ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
  const dues = [5, -2, null, 30, null, -1, 3, null].map((d) => (d === null ? 'NULL' : at(d * 3_600_000)));
  await t.sql(`INSERT INTO case_task (case_id, org_id, state, title, started_at, due_at, status, opened_by_event_id) VALUES
    ${dues.map((d) => `(${created.id}, ${orgId}, 'draft', '测试', ${at(0)}, ${d}, 'open', 1)`).join(', ')}`);
  const seen: Array<string | null> = [];
  for (let page = 1; page <= 3; page++) {
    const res = (await t.http().get(`/api/v1/tasks?pageSize=3&page=${page}`).set(bearer(lh))).body;
    expect(res.total).toBe(8);
    expect(res.overdueCount).toBe(2);
    expect(res.dueSoonCount).toBe(2);
    seen.push(...res.items.map((x: { dueAt: string | null }) => x.dueAt));
  }
  const dated = seen.filter((d): d is string => d !== null);
  expect(seen).toHaveLength(8);
  expect(seen.slice(0, 5)).toEqual(dated);
  expect(dated).toEqual([...dated].sort());
  expect(seen.slice(5)).toEqual([null, null, null]);
});

test('search pages by cursor, newest registration first, and counts exactly while it is small', async () => {
  for (let i = 0; i < 5; i++) await c.create(agency, `Q-2026-03${i}`);
  const all = (await t.http().get('/api/v1/cases?no=Q-2026-03&pageSize=100').set(bearer(agency))).body;
  expect(all.total).toBe(5);
  expect(all.totalIsLowerBound).toBe(false);
  const walked: number[] = [];
  let cursor: string | null = null;
  do {
    const res: { items: Array<{ id: number }>; nextCursor: string | null } = (await t.http().get(`/api/v1/cases?no=Q-2026-03&pageSize=2${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(agency))).body;
    walked.push(...res.items.map((x: { id: number }) => x.id));
    cursor = res.nextCursor;
  } while (cursor);
  expect(walked).toEqual(all.items.map((x: { id: number }) => x.id));
  expect(walked).toEqual([...walked].sort((a, b) => b - a));
  expect((await t.http().get('/api/v1/cases?cursor=bm9wZQ').set(bearer(agency))).status).toBe(400);
});

test('a party search gives the same cases, within the scope, whichever side drives it', async () => {
  const party = (name: string) => ({ parties: [{ kind: 'person', name }] });
  const mine = [(await c.create(agency, 'Q-P-1', party('欧阳甲'))).id, (await c.create(agency, 'Q-P-2', party('欧阳乙'))).id];
  const other = (await c.create(foreign, 'Q-P-3', party('欧阳丙'))).id;
  await c.create(agency, 'Q-P-4'); // no 欧阳 among its parties
  const search = async (who: TokenPair, query: string) => (await t.http().get(`/api/v1/cases?pageSize=100&party=${encodeURIComponent('欧阳')}${query}`).set(bearer(who))).body;
  const expectAnswers = async () => {
    const own = await search(agency, '');
    expect(own.items.map((x: { id: number }) => x.id)).toEqual([...mine].reverse());
    expect([own.total, own.totalIsLowerBound]).toEqual([2, false]);
    expect((await search(agency, '&state=draft')).items.map((x: { id: number }) => x.id)).toEqual([...mine].reverse());
    expect((await search(agency, '&state=closed')).items).toEqual([]);
    expect((await search(foreign, '')).items.map((x: { id: number }) => x.id)).toEqual([other]);
    // 有案必录: the district procuratorate supervises every case of its agencies; the city one, its whole city.
    expect((await search(procurator, '')).items.map((x: { id: number }) => x.id)).toEqual([...mine].reverse());
    expect((await search(cityProcurator, '')).items.map((x: { id: number }) => x.id)).toEqual([other, ...mine].sort((a, b) => b - a));
  };
  await expectAnswers();
  // 2001 more parties with the prefix (of no case anyone sees): the prefix is now common, the scope drives.
  const filler = Array.from({ length: 2001 }, (_, i) => `(-1, 'person', '欧阳${i}', NULL)`);
  for (let i = 0; i < filler.length; i += 500) await t.sql(`INSERT INTO case_party (case_id, kind, name, id_number) VALUES ${filler.slice(i, i + 500).join(', ')}`);
  await expectAnswers();
  await t.sql("DELETE FROM case_party WHERE case_id = -1");
});
