import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { caseClient, pdf, png, sha256, TRANSFER_DOCS } from './cases.support';

let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let agencyHead: TokenPair;
let police: TokenPair;
let policeHead: TokenPair;
let procurator: TokenPair;
let cityProcurator: TokenPair;
let otherPolice: TokenPair;
let otherPoliceHead: TokenPair;
let foreignAgency: TokenPair;

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  await t.user('ft.officer', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ft.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('ft.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('ft.police.head', 'SZ-FT-GA', ['police_head']);
  await t.user('ft.procurator', 'SZ-FT-JCY', ['procurator']);
  await t.user('city.procurator', 'SZ-JCY', ['procurator']);
  await t.user('ns.police', 'SZ-NS-GA', ['police_officer']);
  await t.user('ns.police.head', 'SZ-NS-GA', ['police_head']);
  await t.user('ns.officer', 'SZ-NS-SCJG', ['agency_officer']);
  [agency, agencyHead, police, policeHead, procurator, cityProcurator, otherPolice, otherPoliceHead, foreignAgency] = await Promise.all(
    ['ft.officer', 'ft.head', 'ft.police', 'ft.police.head', 'ft.procurator', 'city.procurator', 'ns.police', 'ns.police.head', 'ns.officer']
      .map((u) => t.login(u)));
});
afterAll(() => t.stop());

const transferred = (no: string) => c.transferred(agency, agencyHead, no);

describe('the forward process', () => {
  test('transfer with the five documents → filing signed → 补正 → 立案 → hand-over; every party sees it all', async () => {
    const created = await c.create(agency, 'FT-2026-001');
    expect(created.platformNo).toMatch(/^LF\d{4}\d{7}$/);
    await c.step(agency, created.id, 'submit_report', ['transfer_report']);
    const approval = (await c.get(agencyHead, created.id)).body;
    const headTask = approval.tasks.find((x: { status: string }) => x.status === 'open');
    expect(headTask).toMatchObject({ ruleKey: 'head_approval', ruleVersion: 1 });
    expect(headTask.basis).toContain('第五条');
    await c.step(agencyHead, created.id, 'approve_transfer');
    const afterTransfer = await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
    expect(afterTransfer.state).toBe('transferred');
    expect(afterTransfer.police.name).toBe('深圳市公安局福田分局');
    expect(afterTransfer.procuratorate.name).toBe('深圳市福田区人民检察院');
    expect(afterTransfer.filing).toMatchObject({ signedAt: null });
    expect(afterTransfer.filing.materials.map((m: { docType: string }) => m.docType).sort()).toEqual(['evidence_list', 'transfer_letter']);

    // 备案: the procuratorate signs; the agency sees when.
    const filings = (await t.http().get('/api/v1/filings?signed=false').set(bearer(procurator))).body;
    expect(filings.items.map((f: { caseId: number }) => f.caseId)).toContain(created.id);
    const filingId = filings.items.find((f: { caseId: number }) => f.caseId === created.id).id;
    const signed = await t.http().post(`/api/v1/filings/${filingId}/sign`).set(bearer(procurator)).send({});
    expect(signed.status).toBe(200);
    expect((await c.get(agency, created.id)).body.filing.signedAt).toBe(signed.body.signedAt);
    expect((await c.notifications(agency)).items.map((n: { title: string }) => n.title)).toContain(`${created.platformNo} FT-2026-001 销售假冒注册商标的商品案：备案已签收`);
    // Signing is on the timeline for every party, and the police are told too (通报).
    expect((await c.notifications(police)).items.map((n: { title: string }) => n.title)).toContain(`${created.platformNo} FT-2026-001 销售假冒注册商标的商品案：备案已签收`);
    const signedEntry = (await c.get(police, created.id)).body.timeline.pop();
    expect(signedEntry).toMatchObject({ transition: 'sign_filing', label: '检察院签收备案', actorOrg: '深圳市福田区人民检察院' });
    expect((await t.http().post(`/api/v1/filings/${filingId}/sign`).set(bearer(procurator)).send({})).status).toBe(409);

    await c.step(police, created.id, 'sign_receipt', ['receipt']);
    const decisionTask = (await c.get(police, created.id)).body.tasks.find((x: { status: string }) => x.status === 'open');
    expect(decisionTask).toMatchObject({ ruleKey: 'police_decision', state: 'accepted' });
    await c.step(police, created.id, 'request_supplement', [], { reason: '缺少鉴定机构资质证明' });
    const supplementTask = (await c.get(agency, created.id)).body.tasks.find((x: { status: string }) => x.status === 'open');
    expect(supplementTask).toMatchObject({ ruleKey: 'supplement', state: 'supplement_requested' });
    await c.step(agency, created.id, 'supplement', ['other']);
    await c.step(policeHead, created.id, 'decide_file', ['notice']);
    const done = await c.step(agency, created.id, 'hand_over', ['handover_list']);
    expect(done.state).toBe('handed_over');

    // The timeline is the same for every party.
    const labels = ['登记案件', '提交移送报告', '批准移送', '移送公安机关并备案', '检察院签收备案', '签收（回执）', '要求补正材料', '补正材料', '立案', '移交涉案物品和材料'];
    for (const who of [agency, police, procurator, cityProcurator]) {
      const view = (await c.get(who, created.id)).body;
      expect(view.timeline.map((e: { label: string }) => e.label)).toEqual(labels);
      expect(view.parties[0].idNumberMasked).toBe('440***********1234');
    }
    // 通报: the agency learns the police's decisions, the filing procuratorate every step.
    const agencyTitles = (await c.notifications(agency)).items.map((n: { title: string }) => n.title).join('\n');
    for (const step of ['签收（回执）', '要求补正材料', '立案']) expect(agencyTitles).toContain(step);
    const procTitles = (await c.notifications(procurator)).items.filter((n: { caseId: number }) => n.caseId === created.id).map((n: { title: string }) => n.title).join('\n');
    for (const step of ['移送公安机关并备案', '签收（回执）', '要求补正材料', '补正材料', '立案', '移交涉案物品和材料']) expect(procTitles).toContain(step);
    const policeTitles = (await c.notifications(police)).items.map((n: { title: string }) => n.title).join('\n');
    expect(policeTitles).toContain('补正材料');
    // Unrelated organisations see nothing of it.
    expect((await c.get(foreignAgency, created.id)).status).toBe(404);
    expect((await c.get(otherPolice, created.id)).status).toBe(404);
  });

  test('不予立案 → 复议 → upheld → 建议立案监督 → 要求说明 → answer → 通知立案 → filed within 15 days', async () => {
    const id = await transferred('FT-2026-002');
    await c.step(police, id, 'sign_receipt', ['receipt']);
    await c.step(policeHead, id, 'decide_not_file', ['notice'], { reason: '情节显著轻微' });
    expect((await c.get(agency, id)).body.tasks.find((x: { status: string }) => x.status === 'open')).toMatchObject({ ruleKey: 'reconsideration_request' });
    await c.step(agency, id, 'request_reconsideration', ['other'], { reason: '货值金额已达立案追诉标准' });
    await c.step(policeHead, id, 'uphold_not_filing', ['notice'], { reason: '维持原决定' });
    await c.step(agency, id, 'request_supervision', [], { reason: '建议检察院立案监督' });
    const supervision = (await c.get(procurator, id)).body;
    expect(supervision.availableActions.map((a: { key: string }) => a.key)).toEqual(expect.arrayContaining(['demand_reasons', 'decline_supervision']));
    await c.step(procurator, id, 'demand_reasons', ['notice']);
    const reasonsTask = (await c.get(police, id)).body.tasks.find((x: { status: string }) => x.status === 'open');
    expect(reasonsTask.ruleKey).toBe('police_reasons');
    await c.step(policeHead, id, 'give_reasons', ['other'], { reason: '证据不足' });
    await c.step(procurator, id, 'order_filing', ['notice']);
    const order = (await c.get(police, id)).body;
    const fileTask = order.tasks.find((x: { status: string }) => x.status === 'open');
    expect(fileTask.ruleKey).toBe('file_after_order');
    const days = (Date.parse(fileTask.dueAt) - Date.parse(fileTask.startedAt)) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(15);
    expect(days).toBeLessThan(15 + 10); // at most a holiday's rollover
    const filed = await c.step(policeHead, id, 'file_after_order', ['notice']);
    expect(filed.state).toBe('filed');
    expect(filed.tasks.find((x: { status: string }) => x.status === 'open').ruleKey).toBe('handover');
  });

  test('the version an action answers is the one to use next; messages read cleanly', async () => {
    const created = await c.create(agency, 'FT-2026-004');
    expect(created.version).toBe((await c.get(agency, created.id)).body.version);
    await c.step(agency, created.id, 'submit_report', ['transfer_report']);
    await c.step(agencyHead, created.id, 'approve_transfer');
    const ids: number[] = [];
    for (const type of TRANSFER_DOCS) ids.push(...(await c.upload(agency, created.id, type, [[`${type}.pdf`, pdf(type)]])));
    const version = (await c.get(agency, created.id)).body.version;
    const moved = await t.http().post(`/api/v1/cases/${created.id}/actions`).set(bearer(agency)).send({ transition: 'transfer', version, documentIds: ids });
    expect(moved.body.version).toBe((await c.get(agency, created.id)).body.version);
    const receipt = await c.upload(police, created.id, 'receipt', [['回执.pdf', pdf('r')]]);
    const next = await t.http().post(`/api/v1/cases/${created.id}/actions`).set(bearer(police))
      .send({ transition: 'sign_receipt', version: moved.body.version, documentIds: receipt });
    expect(next.status).toBe(200);
    await c.step(police, created.id, 'request_supplement', [], { reason: '请补充鉴定机构资质证明。' });
    const notice = (await c.notifications(agency)).items.find((n: { caseId: number; title: string }) => n.caseId === created.id && n.title.includes('要求补正'));
    expect(notice.body).not.toContain('。。');
    expect(notice.body).toMatch(/办理期限：\d{4}-\d{2}-\d{2} 24:00前/);
  });

  test('转送 to the competent police body, which then holds the case', async () => {
    const id = await transferred('FT-2026-003');
    const ns = await t.org('SZ-NS-GA');
    const res = await c.step(police, id, 'forward_to_competent', ['notice'], { policeOrgId: ns.id });
    expect(res.police.name).toBe('深圳市公安局南山分局');
    expect(res.state).toBe('transferred');
    expect((await c.get(otherPolice, id)).status).toBe(200);
    expect((await c.act(police, id, 'sign_receipt')).status).toBe(404); // the old holder no longer sees it
    await c.step(otherPolice, id, 'sign_receipt', ['receipt']);
    const inbox = (await t.http().get('/api/v1/tasks').set(bearer(otherPoliceHead))).body;
    expect(inbox.items.map((x: { caseId: number }) => x.caseId)).toContain(id);
  });
});

describe('supervision and the reverse direction', () => {
  test('建议移送 by the procuratorate → the agency transfers', async () => {
    const created = await c.create(agency, 'FT-2026-010', { penaltyInfo: '罚款五万元' });
    const recorded = await c.step(agency, created.id, 'record_penalty', ['penalty_decision'], { reason: '已作出行政处罚' });
    expect(recorded.state).toBe('penalty_only');
    // 有案必录: the filing procuratorate sees the penalty-only record and can ask for a transfer.
    const seen = (await c.get(procurator, created.id)).body;
    expect(seen.availableActions.map((a: { key: string }) => a.key)).toContain('suggest_transfer');
    expect((await c.act(otherPolice, created.id, 'suggest_transfer', { reason: 'x' })).status).toBe(404);
    await c.step(procurator, created.id, 'suggest_transfer', ['opinion'], { reason: '涉案金额达到立案追诉标准，应当移送' });
    expect((await c.get(agency, created.id)).body.tasks.find((x: { status: string }) => x.status === 'open').ruleKey).toBe('suggestion_answer');
    await c.step(agency, created.id, 'accept_suggestion', ['transfer_report']);
    await c.step(agencyHead, created.id, 'approve_transfer');
    const done = await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
    expect(done.state).toBe('transferred');
    expect(done.filing.materials.map((m: { docType: string }) => m.docType)).toContain('penalty_decision');
  });

  test('police send a case back → the agency penalises; 检察意见 after 不起诉 → the agency replies', async () => {
    const back = await transferred('FT-2026-011');
    await c.step(policeHead, back, 'send_back', ['notice'], { reason: '不构成犯罪，但应予行政处罚' });
    const closed = await c.step(agency, back, 'close_administratively', ['penalty_decision'], { reason: '已作出行政处罚决定' });
    expect(closed.state).toBe('closed');
    expect(closed.tasks.filter((x: { status: string }) => x.status === 'open')).toEqual([]);

    const id = await transferred('FT-2026-012');
    await c.step(police, id, 'sign_receipt', ['receipt']);
    await c.step(policeHead, id, 'decide_file', ['notice']);
    await c.step(agency, id, 'hand_over', ['handover_list']);
    await c.step(policeHead, id, 'report_prosecution', ['notice']);
    await c.step(procurator, id, 'non_prosecution_opinion', ['notice', 'opinion']);
    const reply = (await c.get(agency, id)).body.tasks.find((x: { status: string }) => x.status === 'open');
    expect(reply.ruleKey).toBe('opinion_reply');
    const end = await c.step(agency, id, 'reply_opinion', [], { reason: '已依检察意见作出行政处罚' });
    expect(end.state).toBe('closed');
  });
});

describe('refusals change nothing', () => {
  test('wrong role, foreign organisation, wrong state, stale version, missing document → clean 4xx', async () => {
    const created = await c.create(agency, 'FT-2026-020');
    const ids = await c.upload(agency, created.id, 'transfer_report', [['报告.pdf', pdf('report')]]);
    const before = await c.counts();
    const attempts = [
      [await c.act(police, created.id, 'submit_report', { documentIds: ids }), 404],
      [await c.act(foreignAgency, created.id, 'submit_report', { documentIds: ids }), 404],
      [await c.act(agencyHead, created.id, 'approve_transfer'), 409],
      [await c.act(agency, created.id, 'submit_report', { documentIds: [] }), 422],
      [await t.http().post(`/api/v1/cases/${created.id}/actions`).set(bearer(agency)).send({ transition: 'submit_report', version: 99, documentIds: ids }), 409],
    ] as const;
    for (const [res, status] of attempts) {
      expect({ status: res.status, body: Object.keys(res.body).sort() }).toEqual({ status, body: ['code', 'details', 'message'] });
      expect(res.body.message).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(attempts[3][0].body.message).toContain('移送涉嫌犯罪案件的书面报告');
    expect(await c.counts()).toEqual(before);
    // A wrong role inside the right organisation.
    await c.step(agency, created.id, 'submit_report', ['transfer_report']);
    const officerApproves = await c.act(agency, created.id, 'approve_transfer');
    expect(officerApproves.status).toBe(403);
  });

  test('two officers acting at once: one wins, the other gets 409 and nothing of theirs is written', async () => {
    const id = await transferred('FT-2026-021');
    const version = (await c.get(police, id)).body.version;
    const receipts = await Promise.all([1, 2].map(async (n) => c.upload(police, id, 'receipt', [[`回执${n}.pdf`, pdf(`r${n}`)]])));
    const results = await Promise.all(receipts.map((documentIds) =>
      t.http().post(`/api/v1/cases/${id}/actions`).set(bearer(police)).send({ transition: 'sign_receipt', version, documentIds })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const view = (await c.get(police, id)).body;
    expect(view.timeline.filter((e: { transition: string }) => e.transition === 'sign_receipt')).toHaveLength(1);
    expect(view.tasks.filter((x: { status: string }) => x.status === 'open')).toHaveLength(1);
  });
});

describe('documents', () => {
  test('six documents on one step, all downloadable with matching checksums; other parties see submitted files only', async () => {
    const created = await c.create(agency, 'FT-2026-030');
    const files: Array<[string, Buffer]> = [
      ['报告正文.pdf', pdf('main')], ['附件一.pdf', pdf('a1')], ['附件二.pdf', pdf('a2')], ['现场照片1.png', png()],
      ['附件三.pdf', pdf('a3')], ['附件四.pdf', pdf('a4')],
    ];
    const ids = await c.upload(agency, created.id, 'transfer_report', files);
    expect(ids).toHaveLength(6);
    const draft = (await c.get(agency, created.id)).body.drafts;
    expect(draft).toHaveLength(6);
    const res = await c.act(agency, created.id, 'submit_report', { documentIds: ids });
    expect(res.status).toBe(200);
    const event = res.body.timeline.find((e: { transition: string }) => e.transition === 'submit_report');
    expect(event.documents).toHaveLength(6);
    for (const [i, doc] of event.documents.entries()) {
      const download = await t.http().get(`/api/v1/documents/${doc.id}/content`).set(bearer(agencyHead)).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(download.status).toBe(200);
      expect(sha256(download.body as Buffer)).toBe(sha256(files[i][1]));
      expect(download.headers['x-content-sha256']).toBe(doc.sha256);
    }
    expect((await t.http().get(`/api/v1/documents/${event.documents[0].id}/content`).set(bearer(foreignAgency))).status).toBe(404);
  });

  test('a file renamed to .pdf that is really an executable is refused and nothing is stored', async () => {
    const created = await c.create(agency, 'FT-2026-031');
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
    const res = await t.http().post(`/api/v1/cases/${created.id}/documents?docType=other`).set(bearer(agency)).attach('file', exe, '移送书.pdf');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('可执行');
    expect((await c.get(agency, created.id)).body.drafts).toHaveLength(0);
  });

  test('with local storage there is no direct upload policy', async () => {
    const created = await c.create(agency, 'FT-2026-033');
    const res = await t.http().post(`/api/v1/cases/${created.id}/documents/upload-policy`).set(bearer(agency)).send({ docType: 'photo' });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('本地存储');
  });

  test('replacing a file keeps the old version', async () => {
    const created = await c.create(agency, 'FT-2026-032');
    const [first] = await c.upload(agency, created.id, 'other', [['说明.pdf', pdf('v1')]]);
    const res = await t.http().post(`/api/v1/cases/${created.id}/documents?docType=other&replacesId=${first}`).set(bearer(agency)).attach('file', pdf('v2'), '说明（修订）.pdf');
    expect(res.status).toBe(200);
    expect(res.body[0]).toMatchObject({ version: 2, replacesId: first, current: true });
    const old = await t.http().get(`/api/v1/documents/${first}/content`).set(bearer(agency));
    expect(old.status).toBe(200);
  });
});

describe('deadlines, inbox and search', () => {
  test('an approved 经济犯罪 extension recomputes the deadline and shows on the timeline', async () => {
    const id = await transferred('FT-2026-040');
    await c.step(police, id, 'sign_receipt', ['receipt']);
    const task = (await c.get(police, id)).body.tasks.find((x: { status: string }) => x.status === 'open');
    const refused = await t.http().post(`/api/v1/tasks/${task.id}/extensions`).set(bearer(policeHead)).send({ extension: 'economic_complex', reason: '案情复杂' });
    expect(refused.status).toBe(422);
    const res = await t.http().post(`/api/v1/tasks/${task.id}/extensions`).set(bearer(policeHead)).send({ extension: 'economic', reason: '经济犯罪案件' });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.dueAt)).toBeGreaterThan(Date.parse(task.dueAt));
    expect(res.body.extensions[0]).toMatchObject({ key: 'economic', label: '经济犯罪案件' });
    const timeline = (await c.get(agency, id)).body.timeline;
    expect(timeline[timeline.length - 1]).toMatchObject({ transition: 'extend_deadline', reason: '经济犯罪案件' });
  });

  test('the inbox lists my organisation’s open tasks, most urgent first, with overdue counts', async () => {
    const id = await transferred('FT-2026-050');
    await c.step(police, id, 'sign_receipt', ['receipt']);
    t.clock.advance(10 * 86_400_000);
    try {
      const fresh = await t.login('ft.police');
      const inbox = (await t.http().get('/api/v1/tasks').set(bearer(fresh))).body;
      expect(inbox.overdueCount).toBeGreaterThan(0);
      const dues = inbox.items.map((x: { dueAt: string | null }) => x.dueAt).filter(Boolean);
      expect(dues).toEqual([...dues].sort());
      const overdue = (await t.http().get('/api/v1/cases?overdue=true').set(bearer(fresh))).body;
      expect(overdue.items.map((x: { id: number }) => x.id)).toContain(id);
    } finally {
      t.clock.reset();
    }
  });

  test('通报 have a read state per person', async () => {
    const before = await c.notifications(agency);
    expect(before.unreadCount).toBeGreaterThan(0);
    const first = before.items.find((n: { read: boolean }) => !n.read);
    expect((await t.http().post(`/api/v1/notifications/${first.id}/read`).set(bearer(agency)).send({})).status).toBe(200);
    const after = await c.notifications(agency);
    expect(after.unreadCount).toBe(before.unreadCount - 1);
    expect(after.items.find((n: { id: number }) => n.id === first.id).read).toBe(true);
    // A colleague in the same organisation has not read it yet.
    expect((await c.notifications(agencyHead)).items.find((n: { id: number }) => n.id === first.id).read).toBe(false);
    expect((await t.http().post(`/api/v1/notifications/${first.id}/read`).set(bearer(foreignAgency)).send({})).status).toBe(404);
  });

  test('search by number, party and state, always within the cases of my organisation', async () => {
    const byNo = (await t.http().get('/api/v1/cases?no=FT-2026-001').set(bearer(agency))).body;
    expect(byNo.total).toBe(1);
    const byParty = (await t.http().get(`/api/v1/cases?party=${encodeURIComponent('张某某')}&pageSize=100`).set(bearer(agency))).body;
    expect(byParty.total).toBeGreaterThan(3);
    const state = (await t.http().get('/api/v1/cases?state=closed').set(bearer(agency))).body;
    for (const x of state.items) expect(x.state).toBe('closed');
    expect((await t.http().get('/api/v1/cases?no=FT-2026').set(bearer(foreignAgency))).body.total).toBe(0);
    const city = (await t.http().get('/api/v1/cases?pageSize=100').set(bearer(cityProcurator))).body;
    expect(city.total).toBeGreaterThan(3);
  });
});
