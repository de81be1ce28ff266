/** Helpers for case tests: documents to upload and one call per workflow step. */
import { createHash } from 'crypto';
import type { TokenPair, DocType, TransitionKey } from '@lfxj/contracts';
import { bearer, type TestApp } from './support';

export const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
export const png = () => Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface Actor {
  tokens: TokenPair;
}

export function caseClient(t: TestApp) {
  const upload = async (who: TokenPair, caseId: number, docType: DocType, files: Array<[string, Buffer]>) => {
    let req = t.http().post(`/api/v1/cases/${caseId}/documents?docType=${docType}`).set(bearer(who));
    for (const [name, data] of files) req = req.attach('file', data, name);
    const res = await req;
    if (res.status !== 200) throw new Error(`upload ${docType}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as Array<{ id: number }>).map((d) => d.id);
  };
  const get = async (who: TokenPair, caseId: number) => t.http().get(`/api/v1/cases/${caseId}`).set(bearer(who));
  const act = async (who: TokenPair, caseId: number, transition: TransitionKey, extra: Record<string, unknown> = {}) => {
    const current = await get(who, caseId);
    const version = current.body.version ?? 1;
    return t.http().post(`/api/v1/cases/${caseId}/actions`).set(bearer(who)).send({ transition, version, ...extra });
  };
  /** Upload the documents a step requires, then take it; fails the test unless it succeeds. */
  const step = async (who: TokenPair, caseId: number, transition: TransitionKey, docs: DocType[] = [], extra: Record<string, unknown> = {}) => {
    const documentIds: number[] = [];
    for (const type of docs) documentIds.push(...(await upload(who, caseId, type, [[`${type}.pdf`, pdf(`${transition} ${type}`)]])));
    const res = await act(who, caseId, transition, { documentIds, ...extra });
    if (res.status !== 200) throw new Error(`${transition}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const create = async (who: TokenPair, no: string, extra: Record<string, unknown> = {}) => {
    const res = await t.http().post('/api/v1/cases').set(bearer(who)).send({
      agencyCaseNo: no, title: `${no} 销售假冒注册商标的商品案`, suspectedOffence: '销售假冒注册商标的商品罪', amountInvolved: '168000.00',
      facts: '经查，当事人销售假冒注册商标的商品，货值金额较大。', parties: [{ kind: 'person', name: '张某某', idNumber: '440301199001011234' }, { kind: 'company', name: '某某贸易有限公司' }],
      ...extra,
    });
    if (res.status !== 200) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: number; platformNo: string; version: number };
  };
  /** Record, approve and transfer a case with the five documents; its id. */
  const transferred = async (agency: TokenPair, head: TokenPair, no: string) => {
    const created = await create(agency, no);
    await step(agency, created.id, 'submit_report', ['transfer_report']);
    await step(head, created.id, 'approve_transfer');
    await step(agency, created.id, 'transfer', TRANSFER_DOCS);
    return created.id;
  };
  const notifications = async (who: TokenPair) => (await t.http().get('/api/v1/notifications?pageSize=100').set(bearer(who))).body;
  const counts = async () => {
    const n = async (table: string) => Number((await t.sql(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return { events: await n('case_event'), tasks: await n('case_task'), notifications: await n('notification'), filings: await n('filing') };
  };
  return { upload, get, act, step, create, transferred, notifications, counts };
}

export const TRANSFER_DOCS: DocType[] = ['transfer_letter', 'investigation_report', 'evidence_list', 'expert_report', 'other'];
