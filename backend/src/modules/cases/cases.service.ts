import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, LessThan, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { z } from 'zod';
import {
  STATES, TRANSITIONS, availableTransitions, INITIAL_STATE, TIMELINE_PAGE, SEARCH_COUNT_LIMIT, type Party,
  type caseDetail, type caseSummary, type taskView, type documentView, type filingView, type TransitionDef, type StateKey, type StateDef,
} from '@lfxj/contracts';
import {
  CaseRecord, CaseParty, CaseRegulation, CaseEvent, CaseTask, TaskExtension, Filing, CaseDocument, appendEvent, syncPartyOrgs,
} from './entities';
import { Organisation } from '../directory/entities';
import { User } from '../users/entities';
import { Regulation } from '../regulations/entities';
import { DirectoryService, escapeLike } from '../directory/directory.service';
import { CaseAccess, ROLE_PARTY, type CaseViewer } from './case-access';
import { instantParam, readInstant, encodeCursor, decodeCursor, marks } from './sql';
import { hydrate, readBool, readInt } from './rows';
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
    const route = await this.directory.routeOf(em, agency.id);
    const now = this.clock.now();
    const row = em.create(CaseRecord, {
      platformNo: `tmp-${now.getTime()}-${Math.random().toString(36).slice(2, 10)}`, agencyCaseNo: input.agencyCaseNo, title: input.title,
      kind: 'transfer', state: INITIAL_STATE, agencyOrgId: agency.id, regionId: agency.regionId, policeOrgId: null,
      procuratorateOrgId: route.procuratorateOrgId, supervisoryOrgId: null, suspectedOffence: input.suspectedOffence ?? null,
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
    await syncPartyOrgs(em, row);
    // The new row is this transaction's (locked until it commits).
    const event = await appendEvent(em, await this.access.actor(em, user), {
      caseId: row.id, transition: 'create', fromState: null, toState: INITIAL_STATE, reason: null, details: '{}', at: now,
    }, { locked: true });
    await em.insert(CaseTask, {
      caseId: row.id, orgId: agency.id, state: INITIAL_STATE, title: (STATES[INITIAL_STATE] as StateDef).task ?? '', ruleKey: null, ruleVersion: null,
      startedAt: now, dueAt: null, dueFlagged: false, flagReason: null, status: 'open', openedByEventId: event.id, nextRemindAt: now,
    });
    return row;
  }

  /**
   * 案件检索 within the viewer's scope, newest registration first, by keyset (`cursor`) or page.
   * The most selective side drives the read (issue 8: every shape a short index read):
   *
   * - `number`: a number prefix matches a handful of cases (unique platform numbers); the scope is
   *   a probe per match.
   * - `party`: a rare name prefix (at most PARTY_DRIVES parties, counted from the name index
   *   first) drives from case_party (name, case_id); the scope and the other filters come from the
   *   case's scope rows (case_party_org primary key, ≤ 4 rows), case_record only for a city
   *   procuratorate or an agency filter.
   * - otherwise the scope drives: one ordered, limited read per scope organisation from
   *   case_party_org (org_id[, state], created_at, case_id) and, for a city procuratorate, one
   *   per region of its city from case_record (region_id[, state], created_at), merged; each
   *   stops after the page. A common name prefix (王) is then a probe per scope row on
   *   case_party (case_id, name).
   *
   * The count stops at SEARCH_COUNT_LIMIT + 1 rows: exact below it, a lower bound ("1000+")
   * above. A count filtered by a common name prefix reads at most COUNT_SCAN scope rows (each a
   * probe) and is a lower bound when it stopped there: the bound on matches alone would not
   * bound the work (a rare match in a large scope reads all of it).
   */
  async list(em: EntityManager, user: AuthUser, q: SearchQuery) {
    const viewer = await this.access.viewer(em, user);
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor) throw AppError.field('cursor', '翻页位置', '无效，请从第一页重新查询');
    const offset = cursor ? 0 : (q.page - 1) * q.pageSize;
    const dialect = em.connection.options.type;
    const drive: SearchDrive = q.no ? 'number' : q.party && (await this.fewParties(em, q.party)) ? 'party' : 'scope';
    const read = async (sql: string, params: unknown[]) => (await em.query(sql, params) as Array<{ id: number | string; created_at: unknown }>)
      .map((r) => ({ id: Number(r.id), at: readInstant(r.created_at) }));
    let hits: Array<{ id: number; at: Date }>;
    let n: number;
    let lowerBound = false;
    if (drive === 'party') {
      // Every match is read anyway to sort them (at most PARTY_DRIVES): the page and the exact count from one read.
      const every = this.searchSql(viewer, q, drive, null, null, true, dialect);
      const all = await read(every.sql, every.params);
      const after = cursor ? all.filter((h) => h.at < cursor.at || (h.at.getTime() === cursor.at.getTime() && h.id < cursor.id)) : all.slice(offset);
      hits = after.slice(0, q.pageSize + 1);
      n = all.length;
    } else {
      const page = this.searchSql(viewer, q, drive, cursor, offset + q.pageSize + 1, true, dialect);
      hits = await read(`${page.sql} LIMIT ? OFFSET ?`, [...page.params, q.pageSize + 1, offset]);
      if (drive === 'scope' && q.party) {
        // The scope rows without the name filter, cut at COUNT_SCAN; the name is a probe per row
        // (in the select list, so it stays a probe and is not turned into a join from the name side).
        const scanned = this.searchSql(viewer, { ...q, party: undefined }, drive, null, COUNT_SCAN, false, dialect);
        const [r] = await em.query(`SELECT COUNT(*) AS scanned, SUM(CASE WHEN ${partyProbe('u.id')} THEN 1 ELSE 0 END) AS n FROM (${scanned.sql} LIMIT ?) u`,
          [`${escapeLike(q.party)}%`, ...scanned.params, COUNT_SCAN]) as Array<{ scanned: number | string; n: number | string | null }>;
        n = Number(r.n ?? 0);
        lowerBound = Number(r.scanned) >= COUNT_SCAN;
      } else {
        const counted = this.searchSql(viewer, q, drive, null, SEARCH_COUNT_LIMIT + 1, false, dialect);
        const [r] = await em.query(`SELECT COUNT(*) AS n FROM (${counted.sql} LIMIT ?) counted`, [...counted.params, SEARCH_COUNT_LIMIT + 1]) as Array<{ n: number | string }>;
        n = Number(r.n);
      }
    }
    lowerBound ||= n > SEARCH_COUNT_LIMIT;
    const shown = hits.slice(0, q.pageSize);
    const rows = shown.length ? await em.find(CaseRecord, { where: { id: In(shown.map((h) => h.id)) }, select: SUMMARY_COLUMNS }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const last = shown[shown.length - 1];
    return {
      items: await this.summaries(em, shown.map((h) => byId.get(h.id)).filter((r): r is CaseRecord => !!r)),
      total: Math.min(n, SEARCH_COUNT_LIMIT), totalIsLowerBound: lowerBound,
      page: cursor ? 1 : q.page, pageSize: q.pageSize,
      nextCursor: hits.length > q.pageSize && last ? encodeCursor(last.at, last.id) : null,
    };
  }

  /** Does a name prefix match few enough parties to drive the search (read from the name index alone)? */
  private async fewParties(em: EntityManager, party: string): Promise<boolean> {
    const [{ n }] = await em.query(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM case_party WHERE name LIKE ? ESCAPE '!' LIMIT ?) x`,
      [`${escapeLike(party)}%`, PARTY_DRIVES + 1]) as Array<{ n: number | string }>;
    return Number(n) <= PARTY_DRIVES;
  }

  /** The SQL of a search: rows (id, created_at), newest first when `ordered`, each branch cut at `limit` (null: not cut). */
  private searchSql(viewer: CaseViewer, q: SearchQuery, drive: SearchDrive, cursor: { at: Date; id: number } | null, limit: number | null, ordered: boolean,
    dialect: string) {
    const now = instantParam(this.clock.now());
    const from = q.from ? instantParam(new Date(`${q.from}T00:00:00+08:00`)) : null;
    // Days are Asia/Shanghai days; instants are stored in UTC.
    const to = q.to ? instantParam(new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 24 * HOUR)) : null;
    /** Filters on a read whose case id, registration instant and state columns are `id`, `at`, `state`. */
    const filters = (id: string, at: string, state: string, c: string | null, party = true) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (condition: string, ...values: unknown[]) => {
        where.push(condition);
        params.push(...values);
      };
      if (q.state) add(`${state} = ?`, q.state);
      if (from) add(`${at} >= ?`, from);
      if (to) add(`${at} < ?`, to);
      if (cursor) add(`${at} <= ? AND (${at} < ? OR ${id} < ?)`, instantParam(cursor.at), instantParam(cursor.at), cursor.id);
      if (q.agencyId) add(`${c}.agency_org_id = ?`, q.agencyId);
      if (q.overdue === 'true') add(`EXISTS (SELECT 1 FROM case_task t WHERE t.case_id = ${id} AND t.status = 'open' AND t.due_at < ?)`, now);
      if (q.party && party) add(partyProbe(id), `${escapeLike(q.party)}%`);
      return { where, params };
    };
    const orgs = viewer.orgIds.length ? viewer.orgIds : [0];
    const order = (id: string, at: string) => (ordered ? ` ORDER BY ${at} DESC, ${id} DESC` : '');
    const union = (branches: Array<{ sql: string; params: unknown[] }>) => (branches.length === 1 ? branches[0] : {
      // Each branch is cut at the page (read in index order); the union removes a case two branches share.
      sql: branches.map((b, i) => `SELECT id, created_at FROM (${b.sql}${limit === null ? '' : ` LIMIT ${limit}`}) b${i}`).join(' UNION ') + (ordered ? ' ORDER BY created_at DESC, id DESC' : ''),
      params: branches.flatMap((b) => b.params),
    });

    if (drive === 'number') {
      const f = filters('c.id', 'c.created_at', 'c.state', 'c');
      const where = [...f.where, "(c.platform_no LIKE ? ESCAPE '!' OR c.agency_case_no LIKE ? ESCAPE '!')"];
      const params: unknown[] = [...f.params, `${escapeLike(q.no ?? '')}%`, `${escapeLike(q.no ?? '')}%`];
      const scope = [`EXISTS (SELECT 1 FROM case_party_org s WHERE s.case_id = c.id AND s.org_id IN (${marks(orgs)}))`];
      params.push(...orgs);
      if (viewer.cityRegionIds.length) {
        scope.push(`(c.region_id IN (${marks(viewer.cityRegionIds)}) AND c.procuratorate_org_id IS NOT NULL)`);
        params.push(...viewer.cityRegionIds);
      }
      where.push(`(${scope.join(' OR ')})`);
      return { sql: `SELECT c.id AS id, c.created_at AS created_at FROM case_record c WHERE ${where.join(' AND ')}${order('c.id', 'c.created_at')}`, params };
    }

    if (drive === 'party') {
      // From the matching parties (name, case_id); DISTINCT: a case may have two matching parties or two scope rows.
      const name = `${escapeLike(q.party ?? '')}%`;
      const f = filters('p.case_id', 'p.created_at', 'p.state', 'c', false);
      // (org_id, case_id) answers "is this match in the scope" with one index entry; MariaDB otherwise takes the
      // primary key and reads every party row of every match (twice the time at 1,000,000 cases).
      const probe = dialect === 'mysql' ? ' FORCE INDEX (ix_case_party_org_probe)' : '';
      const branches = [{
        sql: `SELECT DISTINCT p.case_id AS id, p.created_at AS created_at FROM case_party cp JOIN case_party_org p${probe} ON p.case_id = cp.case_id`
          + `${q.agencyId ? ' JOIN case_record c ON c.id = p.case_id' : ''}`
          + ` WHERE ${["cp.name LIKE ? ESCAPE '!'", `p.org_id IN (${marks(orgs)})`, ...f.where].join(' AND ')}${order('p.case_id', 'p.created_at')}`,
        params: [name, ...orgs, ...f.params],
      }];
      if (viewer.cityRegionIds.length) {
        const g = filters('c.id', 'c.created_at', 'c.state', 'c', false);
        branches.push({
          sql: `SELECT DISTINCT c.id AS id, c.created_at AS created_at FROM case_party cp JOIN case_record c ON c.id = cp.case_id`
            + ` WHERE ${["cp.name LIKE ? ESCAPE '!'", `c.region_id IN (${marks(viewer.cityRegionIds)})`, 'c.procuratorate_org_id IS NOT NULL', ...g.where].join(' AND ')}`
            + order('c.id', 'c.created_at'),
          params: [name, ...viewer.cityRegionIds, ...g.params],
        });
      }
      return union(branches);
    }

    const branches: Array<{ sql: string; params: unknown[] }> = [];
    for (const org of orgs) {
      const f = filters('p.case_id', 'p.created_at', 'p.state', 'c');
      branches.push({
        sql: `SELECT p.case_id AS id, p.created_at AS created_at FROM case_party_org p${q.agencyId ? ' JOIN case_record c ON c.id = p.case_id' : ''}`
          + ` WHERE ${['p.org_id = ?', ...f.where].join(' AND ')}${order('p.case_id', 'p.created_at')}`,
        params: [org, ...f.params],
      });
    }
    for (const region of viewer.cityRegionIds) {
      const f = filters('c.id', 'c.created_at', 'c.state', 'c');
      branches.push({
        sql: `SELECT c.id AS id, c.created_at AS created_at FROM case_record c WHERE ${['c.region_id = ?', 'c.procuratorate_org_id IS NOT NULL', ...f.where].join(' AND ')}`
          + order('c.id', 'c.created_at'),
        params: [region, ...f.params],
      });
    }
    return union(branches);
  }

  /** Case summaries; `overdue` when the caller already knows which cases have overdue tasks. */
  async summaries(em: EntityManager, rows: CaseRecord[], overdue?: Set<number>): Promise<CaseSummary[]> {
    const names = await this.directory.orgNames(em, [...new Set(rows.flatMap((r) => [r.agencyOrgId, r.policeOrgId, r.procuratorateOrgId]).filter((x): x is number => x !== null))]);
    const ids = rows.map((r) => r.id);
    const late = overdue ?? new Set(ids.length ? (await em.createQueryBuilder(CaseTask, 't').select('t.case_id', 'caseId')
      .where('t.case_id IN (:...ids) AND t.status = :open AND t.due_at < :now', { ids, open: 'open', now: this.clock.now() })
      .getRawMany<{ caseId: number }>()).map((r) => Number(r.caseId)) : []);
    const ref = (id: number | null) => (id === null ? null : { id, name: names.get(id) ?? '' });
    return rows.map((r) => ({
      id: r.id, platformNo: r.platformNo, agencyCaseNo: r.agencyCaseNo, title: r.title, state: r.state, stateLabel: STATES[r.state].label,
      kind: r.kind, agency: ref(r.agencyOrgId), police: ref(r.policeOrgId), procuratorate: ref(r.procuratorateOrgId),
      suspectedOffence: r.suspectedOffence, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), version: r.version,
      overdue: late.has(r.id),
    }));
  }

  /** Views of tasks already read (they are read again with what the view needs, in one query). */
  async taskViews(em: EntityManager, tasks: CaseTask[]): Promise<TaskView[]> {
    if (!tasks.length) return [];
    const views = new Map((await this.loadTaskViews(em, (qb) => qb.where('t.id IN (:...ids)', { ids: tasks.map((t) => t.id) }))).map((v) => [v.id, v]));
    return tasks.map((t) => views.get(t.id)).filter((v): v is TaskView => !!v);
  }

  /**
   * Task views in one query: each task with its case's number and title, its assignee's name and
   * its approved extensions with their approvers' names (only those columns of app_user); the
   * deadline rules come from the rule cache (versions never change).
   */
  async loadTaskViews(em: EntityManager, where: (qb: SelectQueryBuilder<CaseTask>) => SelectQueryBuilder<CaseTask>): Promise<TaskView[]> {
    const qb = em.createQueryBuilder(CaseTask, 't')
      .leftJoinAndMapOne('t.caseRow', CaseRecord, 'c', 'c.id = t.case_id')
      .leftJoinAndMapOne('t.assigneeRow', User, 'ua', 'ua.id = t.assignee_id')
      .leftJoinAndMapMany('t.extensionRows', TaskExtension, 'e', 'e.task_id = t.id')
      .leftJoinAndMapOne('e.approver', User, 'ue', 'ue.id = e.approved_by')
      .select(['t', 'c.id', 'c.platformNo', 'c.title', 'ua.id', 'ua.displayName', 'e', 'ue.id', 'ue.displayName']);
    const tasks = await where(qb).orderBy('t.id', 'ASC').addOrderBy('e.id', 'ASC').getMany();
    return this.toTaskViews(em, tasks.map((t) => ({
      task: t, platformNo: t.caseRow?.platformNo ?? '', caseTitle: t.caseRow?.title ?? '', assigneeName: t.assigneeRow?.displayName ?? '',
      extensions: (t.extensionRows ?? []).map((e) => ({ extensionKey: e.extensionKey, approverName: e.approver?.displayName ?? '', reason: e.reason, at: e.at })),
    })));
  }

  /** Task views of tasks read with their case's number and title, assignee's name and approved extensions (the rules from the rule cache). */
  private async toTaskViews(em: EntityManager, tasks: Array<{
    task: CaseTask; platformNo: string; caseTitle: string; assigneeName: string;
    extensions: Array<{ extensionKey: string; approverName: string; reason: string; at: Date }>;
  }>): Promise<TaskView[]> {
    const rules = await this.deadlines.versions(em, tasks.flatMap(({ task: t }) => (t.ruleKey && t.ruleVersion ? [{ key: t.ruleKey, version: t.ruleVersion }] : [])));
    const now = this.clock.now();
    return tasks.map(({ task: t, platformNo, caseTitle, assigneeName, extensions }) => {
      const rule = t.ruleKey ? rules.get(`${t.ruleKey}@${t.ruleVersion}`) : undefined;
      const labels = new Map((rule?.extensionList() ?? []).map((e) => [e.key, e.label]));
      return {
        id: t.id, caseId: t.caseId, platformNo, caseTitle,
        orgId: t.orgId, state: t.state, title: t.title, startedAt: t.startedAt.toISOString(), dueAt: t.dueAt?.toISOString() ?? null,
        assignee: t.assigneeId ? { id: t.assigneeId, name: assigneeName } : null,
        dueFlagged: t.dueFlagged, flagReason: t.flagReason, ruleKey: t.ruleKey, ruleVersion: t.ruleVersion, basis: rule?.basis ?? null,
        status: t.status, overdue: t.status === 'open' && !!t.dueAt && t.dueAt < now,
        extensions: extensions.map((e) => ({
          key: e.extensionKey, label: labels.get(e.extensionKey) ?? e.extensionKey, approvedBy: e.approverName, reason: e.reason, at: e.at.toISOString(),
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

  /** Filings with their materials, signers and procuratorates; `docs` when the caller has the case's documents. */
  async filingViews(em: EntityManager, filings: Filing[], docs?: Map<number, CaseDocument>): Promise<FilingView[]> {
    const materialIds = new Map(filings.map((f) => [f.id, JSON.parse(f.materials) as number[]]));
    const docIds = [...new Set([...materialIds.values()].flat())];
    const materials = docs ?? new Map((docIds.length ? await em.find(CaseDocument, { where: { id: In(docIds) } }) : []).map((d) => [d.id, d]));
    const unsigned = filings.filter((f) => f.signedBy !== null && f.signer === undefined).map((f) => f.signedBy as number);
    const signers = new Map((unsigned.length ? await em.find(User, { where: { id: In(unsigned) }, select: { id: true, displayName: true } }) : []).map((u) => [u.id, u.displayName]));
    const names = await this.directory.orgNames(em, [...new Set(filings.map((f) => f.procuratorateOrgId))]);
    return filings.map((f) => ({
      id: f.id, caseId: f.caseId, eventId: f.eventId,
      procuratorate: { id: f.procuratorateOrgId, name: names.get(f.procuratorateOrgId) ?? '' },
      filedAt: f.filedAt.toISOString(),
      materials: (materialIds.get(f.id) ?? []).map((id) => materials.get(id)).filter((d): d is CaseDocument => !!d)
        .map((d) => ({ documentId: d.id, docType: d.docType, fileName: d.fileName })),
      signedAt: f.signedAt?.toISOString() ?? null,
      signedBy: f.signedBy ? (f.signer?.displayName ?? signers.get(f.signedBy) ?? null) : null,
    }));
  }

  /**
   * The case the user may see, read with the scope check in one statement (the same rule as
   * CaseAccess.restrict: a probe of the case's scope rows, or the city rule), then its detail.
   */
  async detailOf(em: EntityManager, user: AuthUser, caseId: number): Promise<CaseDetail> {
    const viewer = await this.access.viewer(em, user);
    const orgs = viewer.orgIds.length ? viewer.orgIds : [0];
    const city = viewer.cityRegionIds.length ? ` OR (c.region_id IN (${marks(viewer.cityRegionIds)}) AND c.procuratorate_org_id IS NOT NULL)` : '';
    const [raw] = await em.query(
      `SELECT c.* FROM case_record c WHERE c.id = ? AND (EXISTS (SELECT 1 FROM case_party_org scope_p WHERE scope_p.case_id = c.id AND scope_p.org_id IN (${marks(orgs)}))${city})`,
      [caseId, ...orgs, ...viewer.cityRegionIds],
    ) as Array<Record<string, unknown>>;
    if (!raw) throw new AppError('NOT_FOUND', `案件不存在或本单位不是该案当事方（编号 ${caseId}）`, { field: 'id' });
    return this.detail(em, user, hydrate(em, CaseRecord, raw));
  }

  /**
   * The same case file for every party: facts, the latest timeline entries with their documents,
   * tasks, filings. `row` is the case as the caller read it (detailOf) or just wrote it (a step).
   * Everything of the case is read in one statement (DETAIL_SQL); with the rule, name and scope
   * caches warm that is all.
   */
  async detail(em: EntityManager, user: AuthUser, row: CaseRecord): Promise<CaseDetail> {
    const viewer = await this.access.viewer(em, user);
    const parts = await em.query(DETAIL_SQL, Array(DETAIL_BRANCHES).fill(row.id)) as DetailRow[];
    const of = (part: DetailRow['part']) => parts.filter((r) => r.part === part).sort((a, b) => Number(a.n) - Number(b.n));
    const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
    const at = (v: unknown) => (v === null || v === undefined ? null : readInstant(v));
    const docs = of('d').map((r) => Object.assign(new CaseDocument(), {
      id: Number(r.n), caseId: row.id, eventId: readInt(r.c1), docType: String(r.c2), fileName: String(r.c3), mime: String(r.c4), size: Number(r.c5),
      sha256: String(r.c6), version: Number(r.c7), replacesId: readInt(r.c8), current: readBool(r.c9), uploadedByOrg: Number(r.c10), uploadedAt: readInstant(r.c11),
    }) as CaseDocument);
    const filingRows = of('f').map((r) => Object.assign(new Filing(), {
      id: Number(r.n), caseId: row.id, procuratorateOrgId: Number(r.c1), eventId: Number(r.c2), filedAt: readInstant(r.c3), materials: String(r.c4),
      signedAt: at(r.c5), signedBy: readInt(r.c6), signer: r.c6 === null ? undefined : { id: Number(r.c6), displayName: str(r.c7) ?? '' },
    }) as Filing);
    const extensions = of('x');
    const taskRows = of('t').map((r) => ({
      task: Object.assign(new CaseTask(), {
        id: Number(r.n), caseId: row.id, orgId: Number(r.c1), assigneeId: readInt(r.c2), state: String(r.c3) as StateKey, title: String(r.c4),
        ruleKey: str(r.c5), ruleVersion: readInt(r.c6), startedAt: readInstant(r.c7), dueAt: at(r.c8), dueFlagged: readBool(r.c9), flagReason: str(r.c10),
        status: String(r.c11) as CaseTask['status'],
      }) as CaseTask,
      assigneeName: str(r.c12) ?? '',
      extensions: extensions.filter((e) => Number(e.c1) === Number(r.n))
        .map((e) => ({ extensionKey: String(e.c2), approverName: str(e.c3) ?? '', reason: String(e.c4), at: readInstant(e.c5) })),
    }));
    const latest = of('e').reverse().map((r) => Object.assign(new CaseEvent(), {
      id: Number(r.c1), caseId: row.id, seq: Number(r.n), transition: String(r.c2), fromState: str(r.c3) as StateKey | null, toState: String(r.c4) as StateKey,
      actorName: String(r.c5), actorOrgName: String(r.c6), reason: str(r.c7), details: String(r.c8), at: readInstant(r.c9),
    }) as CaseEvent);
    const tasks = await this.toTaskViews(em, taskRows.map((t) => ({ ...t, platformNo: row.platformNo, caseTitle: row.title })));
    // Every name of the answer in one batch (most often all cached).
    await this.directory.orgNames(em, [row.agencyOrgId, row.policeOrgId, row.procuratorateOrgId, ...docs.map((d) => d.uploadedByOrg), ...filingRows.map((f) => f.procuratorateOrgId)]
      .filter((x): x is number => x !== null));
    const docViews = await this.documentViews(em, docs);
    const filings = await this.filingViews(em, filingRows, new Map(docs.map((d) => [d.id, d])));
    const [summary] = await this.summaries(em, [row], new Set(tasks.some((t) => t.overdue) ? [row.id] : []));
    const myParties = this.partiesOf(viewer, row);
    return {
      ...summary,
      facts: row.facts, amountInvolved: row.amountInvolved, penaltyInfo: row.penaltyInfo,
      parties: of('p').map((p) => ({ kind: String(p.c1) as 'person' | 'company', name: String(p.c2), idNumberMasked: maskIdNumber(str(p.c3)) })),
      regulationIds: of('r').map((r) => Number(r.n)),
      timeline: latest.slice(0, TIMELINE_PAGE).reverse().map((e) => this.eventView(e, docViews)),
      timelineHasMore: latest.length > TIMELINE_PAGE,
      tasks,
      filing: filings[filings.length - 1] ?? null,
      filings,
      drafts: docViews.filter((d, i) => d.eventId === null && docs[i].current && viewer.orgIds.includes(docs[i].uploadedByOrg)),
      availableActions: availableTransitions(row.state, user.roles)
        .filter((key) => TRANSITIONS[key].roles.some((r) => user.roles.includes(r) && myParties.includes(ROLE_PARTY[r] ?? 'supervisory')))
        .map((key) => {
          const t: TransitionDef = TRANSITIONS[key];
          return { key, label: t.label, requires: [...(t.requires ?? [])] };
        }),
    };
  }

  /** Earlier timeline entries: those before `before` (by seq), nearest first, returned oldest first. */
  async events(em: EntityManager, row: CaseRecord, q: { before?: number; limit: number }) {
    const rows = await em.find(CaseEvent, {
      where: { caseId: row.id, ...(q.before ? { seq: LessThan(q.before) } : {}) }, order: { seq: 'DESC' }, take: q.limit + 1,
    });
    const shown = rows.slice(0, q.limit);
    const docs = shown.length ? await em.find(CaseDocument, { where: { caseId: row.id, eventId: In(shown.map((e) => e.id)) }, order: { id: 'ASC' }, select: DOCUMENT_COLUMNS }) : [];
    const docViews = await this.documentViews(em, docs);
    return { items: shown.reverse().map((e) => this.eventView(e, docViews)), hasMore: rows.length > q.limit };
  }

  private eventView(e: CaseEvent, docViews: DocumentView[]) {
    return {
      id: e.id, seq: e.seq, transition: e.transition,
      label: eventLabel(e.transition),
      fromState: e.fromState, toState: e.toState, actorName: e.actorName, actorOrg: e.actorOrgName,
      reason: e.reason, details: JSON.parse(e.details) as Record<string, unknown>, at: e.at.toISOString(),
      documents: docViews.filter((d) => d.eventId === e.id),
    };
  }

  /** Which parties of this case the viewer's organisation (or one it succeeded) is. */
  partiesOf(viewer: CaseViewer, row: CaseRecord): Party[] {
    return (['agency', 'police', 'procuratorate', 'supervisory'] as const).filter((p) => {
      const org = this.access.partyOrg(row, p);
      return org !== null && viewer.orgIds.includes(org);
    });
  }
}

/** The columns a case summary shows (not the facts and penalty texts). */
const SUMMARY_COLUMNS = {
  id: true, platformNo: true, agencyCaseNo: true, title: true, state: true, kind: true, agencyOrgId: true, policeOrgId: true,
  procuratorateOrgId: true, suspectedOffence: true, createdAt: true, updatedAt: true, version: true,
} as const;

/** The columns a document view and the drafts need (not the storage key). */
const DOCUMENT_COLUMNS = {
  id: true, caseId: true, eventId: true, docType: true, fileName: true, mime: true, size: true, sha256: true, version: true,
  replacesId: true, current: true, uploadedByOrg: true, uploadedAt: true,
} as const;

/** Which side drives a search's read (see `list`). */
type SearchDrive = 'number' | 'party' | 'scope';
/** A name prefix matching at most this many parties drives the search from the name index. */
const PARTY_DRIVES = 2000;
/** Scope rows a count filtered by a common name prefix reads at most. */
const COUNT_SCAN = 5000;
/** "The case `id` has a party whose name starts so" (one parameter: the LIKE pattern), from case_party (case_id, name). */
const partyProbe = (id: string) => `EXISTS (SELECT 1 FROM case_party cp WHERE cp.case_id = ${id} AND cp.name LIKE ? ESCAPE '!')`;

interface SearchQuery {
  page: number; pageSize: number; no?: string; party?: string; agencyId?: number; state?: StateKey; from?: string; to?: string; overdue?: string; cursor?: string;
}

/**
 * A case's parts (parties, regulations, documents, filings with their signers, tasks with their
 * assignees, approved extensions, the latest TIMELINE_PAGE + 1 timeline entries), each by its
 * index on the case, in one statement: one row per item, `part` says which, `n` orders it, c1…c12
 * are its columns (through the UNION they come as text or numbers, converted in `detail`).
 */
const DETAIL_COLUMNS = 12;
const detailBranch = (part: string, n: string, columns: string[], from: string) =>
  `SELECT '${part}' AS part, ${n} AS n, ${Array.from({ length: DETAIL_COLUMNS }, (_, i) => `${columns[i] ?? 'NULL'} AS c${i + 1}`).join(', ')} FROM ${from}`;
const DETAIL_PARTS = [
  detailBranch('p', 'p.id', ['p.kind', 'p.name', 'p.id_number'], 'case_party p WHERE p.case_id = ?'),
  detailBranch('r', 'r.regulation_id', [], 'case_regulation r WHERE r.case_id = ?'),
  detailBranch('d', 'd.id', ['d.event_id', 'd.doc_type', 'd.file_name', 'd.mime', 'd.size', 'd.sha256', 'd.version', 'd.replaces_id', 'd.current', 'd.uploaded_by_org', 'd.uploaded_at'],
    'case_document d WHERE d.case_id = ?'),
  detailBranch('f', 'f.id', ['f.procuratorate_org_id', 'f.event_id', 'f.filed_at', 'f.materials', 'f.signed_at', 'f.signed_by', 'su.display_name'],
    'filing f LEFT JOIN app_user su ON su.id = f.signed_by WHERE f.case_id = ?'),
  detailBranch('t', 't.id', ['t.org_id', 't.assignee_id', 't.state', 't.title', 't.rule_key', 't.rule_version', 't.started_at', 't.due_at', 't.due_flagged',
    't.flag_reason', 't.status', 'ua.display_name'], 'case_task t LEFT JOIN app_user ua ON ua.id = t.assignee_id WHERE t.case_id = ?'),
  detailBranch('x', 'x.id', ['x.task_id', 'x.extension_key', 'ux.display_name', 'x.reason', 'x.at'],
    'task_extension x JOIN case_task xt ON xt.id = x.task_id LEFT JOIN app_user ux ON ux.id = x.approved_by WHERE xt.case_id = ?'),
  detailBranch('e', 'e.seq', ['e.id', 'e.transition', 'e.from_state', 'e.to_state', 'e.actor_name', 'e.actor_org_name', 'e.reason', 'e.details', 'e.at'],
    `(SELECT * FROM case_event WHERE case_id = ? ORDER BY seq DESC LIMIT ${TIMELINE_PAGE + 1}) e`),
];
const DETAIL_SQL = DETAIL_PARTS.join('\nUNION ALL ');
const DETAIL_BRANCHES = DETAIL_PARTS.length;

interface DetailRow {
  part: 'p' | 'r' | 'd' | 'f' | 't' | 'x' | 'e';
  n: number | string;
  c1: unknown; c2: unknown; c3: unknown; c4: unknown; c5: unknown; c6: unknown; c7: unknown; c8: unknown; c9: unknown; c10: unknown; c11: unknown; c12: unknown;
}
