import { startApp, bearer, type TestApp } from './support';
import type { TokenPair } from '@lfxj/contracts';

let t: TestApp;
let officer: TokenPair;
let sysAdmin: TokenPair;

beforeAll(async () => {
  t = await startApp();
  await t.user('officer', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('sysadmin', 'SZ-PT', ['system_admin']);
  [officer, sysAdmin] = await Promise.all([t.login('officer'), t.login('sysadmin')]);
});
afterAll(() => t.stop());

const get = (url: string, tokens = officer) => t.http().get(url).set(bearer(tokens));

describe('dated names', () => {
  test('龙华 was 龙华新区 in 2016 and is 龙华区 today', async () => {
    const regions = (await get('/api/v1/regions?at=2016-05-01')).body as Array<{ code: string; name: string; currentName: string; names: unknown[] }>;
    const longhua = regions.find((r) => r.code === 'SZ-LH')!;
    expect(longhua.name).toBe('龙华新区');
    expect(longhua.currentName).toBe('龙华区');
    expect(longhua.names).toHaveLength(2);
    const today = (await get('/api/v1/regions')).body.find((r: { code: string }) => r.code === 'SZ-LH');
    expect(today.name).toBe('龙华区');
    const day = (await get('/api/v1/regions?at=2017-01-07')).body.find((r: { code: string }) => r.code === 'SZ-LH');
    expect(day.name).toBe('龙华区');
    expect((await get('/api/v1/regions?at=2017-01-06')).body.find((r: { code: string }) => r.code === 'SZ-LH').name).toBe('龙华新区');
  });

  test('an organisation is found by its old name and by its new one, named as of the date asked', async () => {
    const old = await get(`/api/v1/organisations?q=${encodeURIComponent('卫生和计划生育委员会')}&at=2016-05-01`);
    expect(old.status).toBe(200);
    const city = old.body.items.find((o: { code: string }) => o.code === 'SZ-WJ');
    expect(city.name).toBe('深圳市卫生和计划生育委员会');
    expect(city.currentName).toBe('深圳市卫生健康委员会');
    const current = await get(`/api/v1/organisations?q=${encodeURIComponent('深圳市卫生健康委员会')}`);
    expect(current.body.items.map((o: { code: string }) => o.code)).toContain('SZ-WJ');
  });

  test('a rename by an admin keeps the history', async () => {
    const org = await t.org('SZ-FT-SCJG');
    const before = (await get(`/api/v1/organisations/${org.id}`)).body.currentName;
    const res = await t.http().post(`/api/v1/organisations/${org.id}/names`).set(bearer(sysAdmin))
      .send({ name: '深圳市市场监督管理局福田分局', validFrom: '2026-01-01' });
    expect(res.status).toBe(200);
    expect(res.body.currentName).toBe('深圳市市场监督管理局福田分局');
    expect((await get(`/api/v1/organisations/${org.id}?at=2025-12-31`)).body.name).toBe(before);
    const early = await t.http().post(`/api/v1/organisations/${org.id}/names`).set(bearer(sysAdmin))
      .send({ name: '倒退的名称', validFrom: '2020-01-01' });
    expect(early.status).toBe(400);
    expect(early.body.message).toContain('validFrom');
  });
});

describe('institutional reform', () => {
  test('a merge keeps the predecessor’s records reachable from the successor', async () => {
    const region = (await t.org('SZ-FT-SCJG')).regionId;
    const create = async (code: string, name: string) => (await t.http().post('/api/v1/organisations').set(bearer(sysAdmin))
      .send({ code, kind: '行政执法机关', regionId: region, domain: '其他', name, validFrom: '2015-01-01' })).body;
    const a = await create('T-OLD-A', '福田区测试甲局');
    const b = await create('T-OLD-B', '福田区测试乙局');
    const c = await create('T-NEW-C', '福田区测试丙局');
    // A person (a record) still attached to the old organisation.
    const oldHand = await t.user('oldhand', 'T-OLD-A', ['agency_officer']);
    await t.user('cadmin', 'T-NEW-C', ['org_admin']);

    const merge = await t.http().post('/api/v1/organisations/successions').set(bearer(sysAdmin))
      .send({ kind: '合并', predecessorIds: [a.id, b.id], successorIds: [c.id], date: '2026-03-01', note: '测试合并' });
    expect(merge.status).toBe(200);
    expect(merge.body).toHaveLength(2);

    const detailA = (await get(`/api/v1/organisations/${a.id}`)).body;
    expect(detailA.status).toBe('abolished');
    expect(detailA.currentSuccessors.map((o: { id: number }) => o.id)).toEqual([c.id]);
    expect(detailA.names[0].validTo).toBe('2026-02-28');
    const detailC = (await get(`/api/v1/organisations/${c.id}`)).body;
    expect(detailC.predecessors.map((p: { predecessorId: number }) => p.predecessorId).sort()).toEqual([a.id, b.id].sort());

    // The successor's admin sees the predecessor's people.
    const cadmin = await t.login('cadmin');
    const users = await t.http().get('/api/v1/users').set(bearer(cadmin));
    expect(users.status).toBe(200);
    expect(users.body.items.map((u: { id: number }) => u.id)).toContain(oldHand.id);

    // Abolished organisations drop out of default searches but are still found when asked for.
    expect((await get(`/api/v1/organisations?q=${encodeURIComponent('测试甲局')}`)).body.total).toBe(0);
    expect((await get(`/api/v1/organisations?q=${encodeURIComponent('测试甲局')}&includeAbolished=true`)).body.total).toBe(1);

    const cycle = await t.http().post('/api/v1/organisations/successions').set(bearer(sysAdmin))
      .send({ kind: '划转', predecessorIds: [c.id], successorIds: [a.id], date: '2026-04-01' });
    expect(cycle.status).toBe(400);
    expect(cycle.body.message).toContain('循环');
  });
});

describe('routing', () => {
  test('an agency in 大鹏新区 files with 龙岗区人民检察院', async () => {
    const agency = await t.org('SZ-DP-WJ');
    const res = await get(`/api/v1/routing/resolve?orgId=${agency.id}`);
    expect(res.status).toBe(200);
    expect(res.body.procuratorate.currentName).toBe('深圳市龙岗区人民检察院');
    expect(res.body.police.code).toBe('SZ-DP-GA');
    expect(res.body.regionName).toBe('大鹏新区');
  });

  test('every region has a route with a police body and a filing procuratorate', async () => {
    const regions = (await get('/api/v1/regions')).body;
    const routes = (await get('/api/v1/routing')).body;
    expect(routes).toHaveLength(regions.length);
    for (const r of routes) {
      expect(r.police.kind).toBe('公安机关');
      expect(r.procuratorate.kind).toBe('人民检察院');
    }
  });

  test('admins change a route; the target must be of the right kind', async () => {
    const region = (await get('/api/v1/regions')).body.find((r: { code: string }) => r.code === 'SZ-DP');
    const wrong = await t.http().put(`/api/v1/routing/${region.id}`).set(bearer(sysAdmin))
      .send({ policeOrgId: (await t.org('SZ-DP-WJ')).id, procuratorateOrgId: (await t.org('SZ-LG-JCY')).id });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('policeOrgId');
    const ok = await t.http().put(`/api/v1/routing/${region.id}`).set(bearer(sysAdmin))
      .send({ policeOrgId: (await t.org('SZ-DP-GA')).id, procuratorateOrgId: (await t.org('SZ-LG-JCY')).id, note: '大鹏新区无检察院' });
    expect(ok.status).toBe(200);
    expect(ok.body.note).toBe('大鹏新区无检察院');
  });
});
