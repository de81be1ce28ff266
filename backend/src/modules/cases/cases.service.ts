import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, type EntityManager } from 'typeorm';
import type { z } from 'zod';
import {
  STATES, TRANSITIONS, availableTransitions, INITIAL_STATE,
  type caseDetail, type caseSummary, type taskView, type documentView, type filingView, type TransitionDef, type StateKey, type StateDef,
} from '@lfxj/contracts';
import {
  CaseRecord, CaseParty, CaseRegulation, CaseEvent, CaseTask, TaskExtension, Filing, CaseDocument, appendEvent,
} from './entities';
import { Organisation } from '../directory/entities';
import { User } from '../users/entities';
import { Regulation } from '../regulations/entities';
import { DirectoryService, escapeLike } from '../directory/directory.service';
import { CaseAccess, ROLE_PARTY } from './case-access';
import { DeadlinesService } from '../deadlines/deadlines.service';
import { AppError } from '../../common/app-error';
import { Clock, HOUR, shanghaiDate } from '../../common/clock';
import type { AuthUser } from '../auth/auth.service';

type CaseDetail = z.infer<typeof caseDetail>;
type CaseSummary = z.infer<typeof caseSummary>;
type TaskView = z.infer<typeof taskView>;
type DocumentView = z.infer<typeof documentView>;
type FilingView = z.infer<typeof filingView>;

/** Timeline entries that are not transitions of the process definition. */
const OTHER_EVENTS: Record<string, string> = { create: '登记案件', extend_deadline: '批准延长期限', sign_filing: '检察院签收备案' };
const eventLabel = (key: string) => OTHER_EVENTS[key] ?? (TRANSITIONS as Record<string, TransitionDef>)[key]?.label ?? key;

/** 310105199001011234 → 310***********1234: identity numbers are stored whole, shown masked. */
export function maskIdNumber(value: string | null): string | null {
  if (!value) return null;
  return value.length <= 7 ? '*'.repeat(value.length) : `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
}

@Provide()
@Scope(ScopeEnum.Singleton)
export class CasesService {
  @Inject() private directory: DirectoryService;
  @Inject() private access: CaseAccess;
  @Inject() private deadlines: DeadlinesService;
  @Inject() private clock: Clock;

  /** 有案必录: an agency records a case (to be transferred, or a penalty-only record). */
  async create(em: EntityManager, user: AuthUser, input: {
    agencyCaseNo: string; title: string; suspectedOffence?: string; amountInvolved?: string; facts?: string; penaltyInfo?: string;
    parties: Array<{ kind: 'person' | 'company'; name: string; idNumber?: string }>; regulationIds: number[];
  }): Promise<CaseRecord> {
    const agency = await em.findOneByOrFail(Organisation, { id: user.orgId });
    if (agency.kind !== '行政执法机关') throw new AppError('FORBIDDEN', '只有行政执法机关可以登记案件');
    if (await em.findOne(CaseRecord, { where: { agencyOrgId: agency.id, agencyCaseNo: input.agencyCaseNo } })) {
      throw AppError.field('agencyCaseNo', '执法机关案件编号', '本单位已登记过', 'CONFLICT');
    }
    const regulationIds = [...new Set(input.regulationIds)];
    if (regulationIds.length && (await em.count(Regulation, { where: { id: In(regulationIds) } })) !== regulationIds.length) {
      throw AppError.field('regulationIds', '法律依据', '包含不存在的法律法规', 'NOT_FOUND');
    }
    // 有案必录: the filing procuratorate of the agency's region supervises every recorded case,
    // transferred or not, so it can spot cases that should have been transferred (310 Art14).
    const route = await this.directory.resolveRouting(em, agency.id);
    const now = this.clock.now();
    const row = em.create(CaseRecord, {
      platformNo: `tmp-${now.getTime()}-${Math.random().toString(36).slice(2, 10)}`, agencyCaseNo: input.agencyCaseNo, title: input.title,
      kind: 'transfer', state: INITIAL_STATE, agencyOrgId: agency.id, regionId: agency.regionId, policeOrgId: null,
      procuratorateOrgId: route.procuratorate?.id ?? null, supervisoryOrgId: null, suspectedOffence: input.suspectedOffence ?? null,
      amountInvolved: input.amountInvolved ?? null, facts: input.facts ?? null, penaltyInfo: input.penaltyInfo ?? null,
      createdBy: user.id, closedAt: null,
    });
    await em.save(row);
    // The platform number is derived from the id, so it is unique without a counter table.
    row.platformNo = `LF${shanghaiDate(now).slice(0, 4)}${String(row.id).padStart(7, '0')}`;
    await em.update(CaseRecord, { id: row.id }, { platformNo: row.platformNo });
    if (input.parties.length) {
      await em.insert(CaseParty, input.parties.map((p) => ({ caseId: row.id, kind: p.kind, name: p.name, idNumber: p.idNumber ?? null })));
    }
    if (regulationIds.length) await em.insert(CaseRegulation, regulationIds.map((regulationId) => ({ caseId: row.id, regulationId })));
    const event = await appendEvent(em, await this.access.actor(em, user), {
      caseId: row.id, transition: 'create', fromState: null, toState: INITIAL_STATE, reason: null, details: '{}', at: now,
    });
    await em.insert(CaseTask, {
      caseId: row.id, orgId: agency.id, state: INITIAL_STATE, title: (STATES[INITIAL_STATE] as StateDef).task ?? '', ruleKey: null, ruleVersion: null,
      startedAt: now, dueAt: null, dueFlagged: false, flagReason: null, status: 'open', openedByEventId: event.id, nextRemindAt: now,
    });
    return row;
  }

  async list(em: EntityManager, user: AuthUser, q: {
    page: number; pageSize: number; no?: string; party?: string; agencyId?: number; state?: StateKey; from?: string; to?: string; overdue?: string;
  }) {
    const viewer = await this.access.viewer(em, user);
    const qb = this.access.restrict(em.createQueryBuilder(CaseRecord, 'c'), viewer);
    if (q.no) qb.andWhere("(c.platform_no LIKE :no ESCAPE '!' OR c.agency_case_no LIKE :no ESCAPE '!')", { no: `%${escapeLike(q.no)}%` });
    if (q.party) qb.andWhere("c.id IN (SELECT p.case_id FROM case_party p WHERE p.name LIKE :party ESCAPE '!')", { party: `%${escapeLike(q.party)}%` });
    if (q.agencyId) qb.andWhere('c.agency_org_id = :agencyId', { agencyId: q.agencyId });
    if (q.state) qb.andWhere('c.state = :state', { state: q.state });
    // Days are Asia/Shanghai days; instants are stored in UTC.
    if (q.from) qb.andWhere('c.created_at >= :from', { from: new Date(`${q.from}T00:00:00+08:00`) });
    if (q.to) qb.andWhere('c.created_at < :to', { to: new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 24 * HOUR) });
    if (q.overdue === 'true') {
      qb.andWhere("c.id IN (SELECT t.case_id FROM case_task t WHERE t.status = 'open' AND t.due_at < :now)", { now: this.clock.now() });
    }
    const [rows, total] = await qb.orderBy('c.updated_at', 'DESC').addOrderBy('c.id', 'DESC')
      .skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.summaries(em, rows), total, page: q.page, pageSize: q.pageSize };
  }

  async summaries(em: EntityManager, rows: CaseRecord[]): Promise<CaseSummary[]> {
    const names = await this.directory.orgNames(em, [...new Set(rows.flatMap((r) => [r.agencyOrgId, r.policeOrgId, r.procuratorateOrgId]).filter((x): x is number => x !== null))]);
    const ids = rows.map((r) => r.id);
    const overdue = new Set(ids.length ? (await em.createQueryBuilder(CaseTask, 't').select('t.case_id', 'caseId')
      .where('t.case_id IN (:...ids) AND t.status = :open AND t.due_at < :now', { ids, open: 'open', now: this.clock.now() })
      .getRawMany<{ caseId: number }>()).map((r) => Number(r.caseId)) : []);
    const ref = (id: number | null) => (id === null ? null : { id, name: names.get(id) ?? '' });
    return rows.map((r) => ({
      id: r.id, platformNo: r.platformNo, agencyCaseNo: r.agencyCaseNo, title: r.title, state: r.state, stateLabel: STATES[r.state].label,
      kind: r.kind, agency: ref(r.agencyOrgId), police: ref(r.policeOrgId), procuratorate: ref(r.procuratorateOrgId),
      suspectedOffence: r.suspectedOffence, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), version: r.version,
      overdue: overdue.has(r.id),
    }));
  }

  async taskViews(em: EntityManager, tasks: CaseTask[]): Promise<TaskView[]> {
    const caseIds = [...new Set(tasks.map((t) => t.caseId))];
    const cases = new Map((caseIds.length ? await em.find(CaseRecord, { where: { id: In(caseIds) } }) : []).map((c) => [c.id, c]));
    const taskIds = tasks.map((t) => t.id);
    const extensions = taskIds.length ? await em.find(TaskExtension, { where: { taskId: In(taskIds) }, order: { id: 'ASC' } }) : [];
    const people = [...new Set([...extensions.map((e) => e.approvedBy), ...tasks.map((t) => t.assigneeId).filter((x): x is number => x !== null)])];
    const approvers = new Map((people.length ? await em.find(User, { where: { id: In(people) } }) : []).map((u) => [u.id, u.displayName]));
    const rules = new Map<string, { basis: string; labels: Map<string, string> }>();
    for (const t of tasks) {
      if (!t.ruleKey || !t.ruleVersion || rules.has(`${t.ruleKey}@${t.ruleVersion}`)) continue;
      const rule = await this.deadlines.version(em, t.ruleKey, t.ruleVersion);
      rules.set(`${t.ruleKey}@${t.ruleVersion}`, { basis: rule.basis, labels: new Map(rule.extensionList().map((e) => [e.key, e.label])) });
    }
    const now = this.clock.now();
    return tasks.map((t) => {
      const rule = t.ruleKey ? rules.get(`${t.ruleKey}@${t.ruleVersion}`) : undefined;
      return {
        id: t.id, caseId: t.caseId, platformNo: cases.get(t.caseId)?.platformNo ?? '', caseTitle: cases.get(t.caseId)?.title ?? '',
        orgId: t.orgId, state: t.state, title: t.title, startedAt: t.startedAt.toISOString(), dueAt: t.dueAt?.toISOString() ?? null,
        assignee: t.assigneeId ? { id: t.assigneeId, name: approvers.get(t.assigneeId) ?? '' } : null,
        dueFlagged: t.dueFlagged, flagReason: t.flagReason, ruleKey: t.ruleKey, ruleVersion: t.ruleVersion, basis: rule?.basis ?? null,
        status: t.status, overdue: t.status === 'open' && !!t.dueAt && t.dueAt < now,
        extensions: extensions.filter((e) => e.taskId === t.id).map((e) => ({
          key: e.extensionKey, label: rule?.labels.get(e.extensionKey) ?? e.extensionKey, approvedBy: approvers.get(e.approvedBy) ?? '',
          reason: e.reason, at: e.at.toISOString(),
        })),
      };
    });
  }

  async documentViews(em: EntityManager, docs: CaseDocument[]): Promise<DocumentView[]> {
    const orgNames = await this.directory.orgNames(em, [...new Set(docs.map((d) => d.uploadedByOrg))]);
    return docs.map((d) => ({
      id: d.id, caseId: d.caseId, eventId: d.eventId, docType: d.docType, fileName: d.fileName, mime: d.mime, size: d.size, sha256: d.sha256,
      version: d.version, replacesId: d.replacesId, current: d.current, uploadedAt: d.uploadedAt.toISOString(),
      uploadedByOrg: orgNames.get(d.uploadedByOrg) ?? '',
    }));
  }

  async filingView(em: EntityManager, filing: Filing): Promise<FilingView> {
    return (await this.filingViews(em, [filing]))[0];
  }

  /** Filings with their materials, signers and procuratorates, in three queries for any number of filings. */
  async filingViews(em: EntityManager, filings: Filing[]): Promise<FilingView[]> {
    const materialIds = new Map(filings.map((f) => [f.id, JSON.parse(f.materials) as number[]]));
    const docIds = [...new Set([...materialIds.values()].flat())];
    const docs = new Map((docIds.length ? await em.find(CaseDocument, { where: { id: In(docIds) } }) : []).map((d) => [d.id, d]));
    const signerIds = [...new Set(filings.map((f) => f.signedBy).filter((x): x is number => x !== null))];
    const signers = new Map((signerIds.length ? await em.find(User, { where: { id: In(signerIds) } }) : []).map((u) => [u.id, u.displayName]));
    const names = await this.directory.orgNames(em, [...new Set(filings.map((f) => f.procuratorateOrgId))]);
    return filings.map((f) => ({
      id: f.id, caseId: f.caseId, eventId: f.eventId,
      procuratorate: { id: f.procuratorateOrgId, name: names.get(f.procuratorateOrgId) ?? '' },
      filedAt: f.filedAt.toISOString(),
      materials: (materialIds.get(f.id) ?? []).map((id) => docs.get(id)).filter((d): d is CaseDocument => !!d)
        .map((d) => ({ documentId: d.id, docType: d.docType, fileName: d.fileName })),
      signedAt: f.signedAt?.toISOString() ?? null, signedBy: f.signedBy ? signers.get(f.signedBy) ?? null : null,
    }));
  }

  /** The same case file for every party: facts, timeline with its documents, tasks, filing. */
  async detail(em: EntityManager, user: AuthUser, row: CaseRecord): Promise<CaseDetail> {
    const [summary] = await this.summaries(em, [row]);
    const parties = await em.find(CaseParty, { where: { caseId: row.id }, order: { id: 'ASC' } });
    const regulations = await em.find(CaseRegulation, { where: { caseId: row.id } });
    const events = await em.find(CaseEvent, { where: { caseId: row.id }, order: { seq: 'ASC' } });
    const docs = await em.find(CaseDocument, { where: { caseId: row.id }, order: { id: 'ASC' } });
    const docViews = await this.documentViews(em, docs);
    const tasks = await em.find(CaseTask, { where: { caseId: row.id }, order: { id: 'ASC' } });
    // One filing per transfer: a case sent back and transferred again is filed again.
    const filings = await this.filingViews(em, await em.find(Filing, { where: { caseId: row.id }, order: { id: 'ASC' } }));
    const myParties = await this.userParties(em, user, row);
    const myOrgs = await this.directory.scopeOrgIds(em, user.orgId);
    return {
      ...summary,
      facts: row.facts, amountInvolved: row.amountInvolved, penaltyInfo: row.penaltyInfo,
      parties: parties.map((p) => ({ kind: p.kind, name: p.name, idNumberMasked: maskIdNumber(p.idNumber) })),
      regulationIds: regulations.map((r) => r.regulationId),
      timeline: events.map((e) => ({
        id: e.id, seq: e.seq, transition: e.transition,
        label: eventLabel(e.transition),
        fromState: e.fromState, toState: e.toState, actorName: e.actorName, actorOrg: e.actorOrgName,
        reason: e.reason, details: JSON.parse(e.details) as Record<string, unknown>, at: e.at.toISOString(),
        documents: docViews.filter((d) => d.eventId === e.id),
      })),
      tasks: await this.taskViews(em, tasks),
      filing: filings[filings.length - 1] ?? null,
      filings,
      drafts: docViews.filter((d, i) => d.eventId === null && docs[i].current && myOrgs.includes(docs[i].uploadedByOrg)),
      availableActions: availableTransitions(row.state, user.roles)
        .filter((key) => TRANSITIONS[key].roles.some((r) => user.roles.includes(r) && myParties.includes(ROLE_PARTY[r] ?? 'supervisory')))
        .map((key) => {
          const t: TransitionDef = TRANSITIONS[key];
          return { key, label: t.label, requires: [...(t.requires ?? [])] };
        }),
    };
  }

  /** Which parties of this case the user's organisation is. */
  async userParties(em: EntityManager, user: AuthUser, row: CaseRecord) {
    const scope = await this.directory.scopeOrgIds(em, user.orgId);
    return (['agency', 'police', 'procuratorate', 'supervisory'] as const).filter((p) => {
      const org = this.access.partyOrg(row, p);
      return org !== null && scope.includes(org);
    });
  }
}
