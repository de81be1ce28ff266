import { startApp, bearer, type TestApp } from './support';
import type { TokenPair } from '@lfxj/contracts';

let t: TestApp;
let officer: TokenPair;
let curator: TokenPair;
const organ = async (name: string) =>
  ((await t.http().get('/api/v1/legal-organs').set(bearer(officer))).body as Array<{ id: number; name: string }>).find((o) => o.name === name)!.id;

beforeAll(async () => {
  t = await startApp();
  await t.user('officer', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('curator', 'SZ-PT', ['system_admin']);
  [officer, curator] = await Promise.all([t.login('officer'), t.login('curator')]);
});
afterAll(() => t.stop());

test('a 行政法规 whose issuer is not 国务院 is refused, and nothing is written', async () => {
  const before = (await t.http().get('/api/v1/regulations?pageSize=100').set(bearer(officer))).body.total;
  const res = await t.http().post('/api/v1/regulations').set(bearer(curator))
    .send({ title: '某行政法规', category: '行政法规', issuerIds: [await organ('公安部')], docNumber: '公安部令第999号' });
  expect(res.status).toBe(422);
  expect(res.body.code).toBe('RULE_VIOLATION');
  expect(res.body.message).toContain('issuerIds');
  expect(res.body.message).toContain('行政法规只能由国务院制定');
  expect((await t.http().get('/api/v1/regulations?pageSize=100').set(bearer(officer))).body.total).toBe(before);

  const ok = await t.http().post('/api/v1/regulations').set(bearer(curator))
    .send({ title: '某行政法规', category: '行政法规', issuerIds: [await organ('国务院')], docNumber: '国务院令第999号', articles: [{ label: '第一条', text: '为了测试，制定本条例。' }] });
  expect(ok.status).toBe(200);
  expect(ok.body.status).toBe('现行有效');
  expect(ok.body.articles).toHaveLength(1);
});

test('a 司法解释 comes only from 最高法 / 最高检, also on a later edit', async () => {
  const interp = (await t.http().get(`/api/v1/regulations?q=${encodeURIComponent('高检发释字〔2019〕4号')}`).set(bearer(officer))).body.items[0];
  expect(interp.category).toBe('司法解释');
  const edit = await t.http().patch(`/api/v1/regulations/${interp.id}`).set(bearer(curator)).send({ issuerIds: [await organ('公安部')] });
  expect(edit.status).toBe(422);
  const recat = await t.http().patch(`/api/v1/regulations/${interp.id}`).set(bearer(curator)).send({ category: '行政法规' });
  expect(recat.status).toBe(422);
});

test('a repealed document shows as 已废止 and is found by its number', async () => {
  const res = await t.http().get(`/api/v1/regulations?q=${encodeURIComponent('公通字〔2010〕23号')}`).set(bearer(officer));
  expect(res.status).toBe(200);
  expect(res.body.total).toBe(1);
  expect(res.body.items[0].status).toBe('已废止');
  expect(res.body.items[0].repealedOn).toBe('2022-05-15');
  const repealed = (await t.http().get(`/api/v1/regulations?status=${encodeURIComponent('已废止')}&pageSize=100`).set(bearer(officer))).body.items;
  expect(repealed.map((r: { docNumber: string }) => r.docNumber)).toContain('公通字〔2010〕23号');
  const current = (await t.http().get(`/api/v1/regulations?status=${encodeURIComponent('现行有效')}&pageSize=100`).set(bearer(officer))).body.items;
  expect(current.map((r: { docNumber: string }) => r.docNumber)).not.toContain('公通字〔2010〕23号');
});

test('a document whose repeal date arrives becomes 已废止 without anyone editing it', async () => {
  const created = await t.http().post('/api/v1/regulations').set(bearer(curator)).send({
    title: '将被废止的规范性文件', category: '规范性文件', issuerIds: [await organ('深圳市人民政府')],
    docNumber: '深府规〔2020〕1号', effectiveOn: '2020-01-01', repealedOn: '2030-01-01', status: '现行有效',
  });
  expect(created.body.status).toBe('现行有效');
  t.clock.advance((Date.parse('2030-01-02T00:00:00Z') - Date.now()));
  try {
    const later = await t.login('officer');
    expect((await t.http().get(`/api/v1/regulations/${created.body.id}`).set(bearer(later))).body.status).toBe('已废止');
  } finally {
    t.clock.reset();
  }
});

test('search by title, number and text; list by category', async () => {
  const byTitle = await t.http().get(`/api/v1/regulations?q=${encodeURIComponent('移送涉嫌犯罪案件')}`).set(bearer(officer));
  expect(byTitle.body.items.map((r: { docNumber: string }) => r.docNumber)).toContain('国务院令第310号');
  const byText = await t.http().get(`/api/v1/regulations?q=${encodeURIComponent('以罚代刑')}`).set(bearer(officer));
  expect(byText.body.total).toBeGreaterThan(0);
  const laws = await t.http().get(`/api/v1/regulations?category=${encodeURIComponent('法律')}`).set(bearer(officer));
  expect(laws.body.items.length).toBeGreaterThan(0);
  for (const r of laws.body.items) expect(r.category).toBe('法律');
  const wildcard = await t.http().get(`/api/v1/regulations?q=${encodeURIComponent('%')}`).set(bearer(officer));
  expect(wildcard.body.total).toBe(0);
});

test('every seeded document fits its issuer', async () => {
  const all = (await t.http().get('/api/v1/regulations?pageSize=100').set(bearer(officer))).body.items;
  expect(all.length).toBeGreaterThanOrEqual(10);
  const cats = new Set(all.map((r: { category: string }) => r.category));
  for (const c of ['法律', '行政法规', '部门规章', '司法解释', '规范性文件']) expect(cats).toContain(c);
});
