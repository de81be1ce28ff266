/**
 * The raw-driver baseline: the same workloads as the platform's endpoints, written as a careful
 * hand-written service would, on plain mysql2 (a pool of 10 connections like the platform's,
 * prepared statements), behind a bare node:http server in its own process, so the load driver
 * treats it exactly as it treats the platform. What it leaves out is what the ratio measures:
 * no framework, no ORM, no authentication (the caller names its user in a header), reference
 * data (names, users, rules, successions) loaded once at start.
 *
 * Statements per request (the minimal set):
 * - inbox: 1 page query in (org_id, status, due_at) index order joined to the case + 1 grouped count
 *   (+1 for the undated tasks when the dated ones do not fill the page);
 * - detail: 1 query for the case with its parties, tasks, filings and documents as GROUP_CONCAT columns (scope in
 *   its WHERE) + 1 for the latest 50 timeline events;
 * - transition: one transaction with the writes WorkflowService.perform and the endpoint's audit do
 *   (lock and check the case, versioned update, next seq, event, close the previous receiver's task,
 *   cancel its pending reminders, open the next task, 通报 notifications, audit row);
 * - search: 1 keyset page on the procuratorate's case_party_org rows (org_id[, state], created_at) + 1 count
 *   bounded at 1,001 (numbers and party names matched from their start, by index, as the platform does);
 * - scan: the reminder scan's reads, keyset batches of due open tasks, each batch's rows with their case numbers.
 */
import * as http from 'http';
import { createPool, type ExecuteValues, type Pool, type PoolConnection, type RowDataPacket, type ResultSetHeader } from 'mysql2/promise';
import { STATES, TRANSITIONS, RECEIVER_PARTY, type StateKey, type TransitionKey, type TransitionDef, type StateDef, type Party, type Role } from '@lfxj/contracts';

const HOUR = 3_600_000;
const OTHER_EVENTS: Record<string, string> = { create: '登记案件', extend_deadline: '批准延长期限', sign_filing: '检察院签收备案' };
const PARTY_OF_ROLE: Partial<Record<Role, Party>> = {
  agency_officer: 'agency', agency_head: 'agency', police_officer: 'police', police_head: 'police', procurator: 'procuratorate', supervisory_officer: 'supervisory',
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface CaseRow extends RowDataPacket {
  id: number; state: StateKey; version: number; platform_no: string; title: string;
  agency_org_id: number; police_org_id: number | null; procuratorate_org_id: number | null; supervisory_org_id: number | null;
}
interface UserInfo { id: number; username: string; displayName: string; orgId: number; roles: Role[] }
interface Rule { key: string; version: number; hours: number; basis: string }

export class RawService {
  private names = new Map<number, string>();
  private users = new Map<number, UserInfo>();
  private predecessors = new Map<number, number[]>();
  private rules = new Map<string, Rule>();
  private current = new Map<string, Rule>();

  constructor(readonly pool: Pool) {}

  /** Reference data, once: organisation names, users and roles, successions, deadline rules. */
  async load(): Promise<void> {
    const today = new Date().toISOString().slice(0, 10);
    const [names] = await this.pool.query<RowDataPacket[]>('SELECT org_id, name, valid_from, valid_to FROM org_name ORDER BY org_id, valid_from');
    for (const n of names) {
      const from = n.valid_from ? String(n.valid_from).slice(0, 10) : null;
      if (!this.names.has(n.org_id) || from === null || from <= today) this.names.set(n.org_id, n.name);
    }
    const [users] = await this.pool.query<RowDataPacket[]>(
      'SELECT u.id, u.username, u.display_name, u.org_id, GROUP_CONCAT(r.role) AS roles FROM app_user u LEFT JOIN user_role r ON r.user_id = u.id GROUP BY u.id');
    for (const u of users) this.users.set(u.id, { id: u.id, username: u.username, displayName: u.display_name, orgId: u.org_id, roles: String(u.roles ?? '').split(',') as Role[] });
    const [succ] = await this.pool.query<RowDataPacket[]>('SELECT predecessor_id, successor_id FROM org_succession');
    for (const s of succ) this.predecessors.set(s.successor_id, [...(this.predecessors.get(s.successor_id) ?? []), s.predecessor_id]);
    const [rules] = await this.pool.query<RowDataPacket[]>('SELECT rule_key, version, amount, unit, basis FROM deadline_rule ORDER BY rule_key, version');
    for (const r of rules) {
      const per = ({ hours: 1, days: 24, working_days: 24 * 7 / 5, months: 24 * 30 } as Record<string, number>)[r.unit] ?? 24;
      const rule = { key: r.rule_key, version: r.version, hours: r.amount * per, basis: r.basis };
      this.rules.set(`${r.rule_key}@${r.version}`, rule);
      this.current.set(r.rule_key, rule);
    }
  }

  /** The organisation and those it succeeded. */
  scope(orgId: number): number[] {
    const seen = new Set([orgId]);
    for (let frontier = [orgId]; frontier.length;) {
      frontier = frontier.flatMap((id) => this.predecessors.get(id) ?? []).filter((id) => !seen.has(id));
      frontier.forEach((id) => seen.add(id));
    }
    return [...seen];
  }

  user(id: number): UserInfo {
    const u = this.users.get(id);
    if (!u) throw new HttpError(401, 'unknown user');
    return u;
  }

  async inbox(orgId: number, page = 1, pageSize = 20) {
    const now = new Date();
    const offset = (page - 1) * pageSize;
    const cols = `t.id, t.case_id, t.org_id, t.state, t.title, t.started_at, t.due_at, t.due_flagged, t.flag_reason, t.rule_key, t.rule_version,
      t.status, t.assignee_id, c.platform_no, c.title AS case_title`;
    // Nulls last without a CASE: the dated tasks in index order, then (only if the page is not full) the undated ones.
    const [dated] = await this.pool.execute<RowDataPacket[]>(
      `SELECT ${cols} FROM case_task t JOIN case_record c ON c.id = t.case_id
       WHERE t.org_id = ? AND t.status = 'open' AND t.due_at IS NOT NULL ORDER BY t.due_at, t.id LIMIT ${pageSize} OFFSET ${offset}`, [orgId]);
    const [counts] = await this.pool.execute<RowDataPacket[]>(
      `SELECT COUNT(*) AS total, COUNT(due_at) AS dated, COALESCE(SUM(due_at < ?), 0) AS overdue, COALESCE(SUM(due_at >= ? AND due_at < ?), 0) AS soon
       FROM case_task WHERE org_id = ? AND status = 'open'`, [now, now, new Date(now.getTime() + 24 * HOUR), orgId]);
    let rows = dated;
    const c = counts[0];
    if (rows.length < pageSize && Number(c.total) > Number(c.dated)) {
      const skip = Math.max(0, offset - Number(c.dated));
      const [undated] = await this.pool.execute<RowDataPacket[]>(
        `SELECT ${cols} FROM case_task t JOIN case_record c ON c.id = t.case_id
         WHERE t.org_id = ? AND t.status = 'open' AND t.due_at IS NULL ORDER BY t.id LIMIT ${pageSize - rows.length} OFFSET ${skip}`, [orgId]);
      rows = [...rows, ...undated];
    }
    return {
      items: rows.map((t) => this.taskView(t, now)), total: Number(c.total), page, pageSize,
      overdueCount: Number(c.overdue), dueSoonCount: Number(c.soon),
    };
  }

  private taskView(t: RowDataPacket, now: Date) {
    const rule = t.rule_key ? this.rules.get(`${t.rule_key}@${t.rule_version}`) : undefined;
    const due = t.due_at ? new Date(t.due_at) : null;
    return {
      id: t.id, caseId: t.case_id, platformNo: t.platform_no ?? '', caseTitle: t.case_title ?? '', orgId: t.org_id, state: t.state, title: t.title,
      startedAt: new Date(t.started_at).toISOString(), dueAt: due?.toISOString() ?? null, assignee: null, dueFlagged: !!t.due_flagged,
      flagReason: t.flag_reason, ruleKey: t.rule_key, ruleVersion: t.rule_version, basis: rule?.basis ?? null, status: t.status,
      overdue: t.status === 'open' && !!due && due < now, extensions: [],
    };
  }

  async detail(orgId: number, caseId: number) {
    const scope = this.scope(orgId);
    const marks = scope.map(() => '?').join(',');
    // The case's children as GROUP_CONCAT columns (JSON_ARRAYAGG in a prepared statement has crashed MariaDB 10.11 here).
    // Fields apart by the unit separator (0x1f), rows by the record separator (0x1e).
    const list = (table: string, cols: string[]) => `(SELECT GROUP_CONCAT(CONCAT_WS('\x1f', ${cols.map((col) => `IFNULL(${col}, '')`).join(', ')})`
      + ` ORDER BY x.id SEPARATOR '\x1e') FROM ${table} x WHERE x.case_id = c.id)`;
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      `SELECT c.*,
        ${list('case_party', ['x.kind', 'x.name', 'x.id_number'])} AS parties,
        ${list('case_task', ['x.id', 'x.org_id', 'x.state', 'x.title', 'x.started_at', 'x.due_at', 'x.status', 'x.rule_key', 'x.rule_version'])} AS tasks,
        ${list('filing', ['x.id', 'x.procuratorate_org_id', 'x.event_id', 'x.filed_at', 'x.signed_at'])} AS filings,
        ${list('case_document', ['x.id', 'x.event_id', 'x.doc_type', 'x.file_name', 'x.size', 'x.sha256', 'x.current'])} AS documents
       FROM case_record c WHERE c.id = ? AND (c.agency_org_id IN (${marks}) OR c.police_org_id IN (${marks})
         OR c.procuratorate_org_id IN (${marks}) OR c.supervisory_org_id IN (${marks}))`,
      [caseId, ...scope, ...scope, ...scope, ...scope]);
    const c = rows[0];
    if (!c) throw new HttpError(404, `案件不存在或本单位不是该案当事方（编号 ${caseId}）`);
    const [events] = await this.pool.execute<RowDataPacket[]>(
      'SELECT id, seq, transition, from_state, to_state, actor_name, actor_org_name, reason, details, at FROM case_event WHERE case_id = ? ORDER BY seq DESC LIMIT 50', [caseId]);
    const parse = (v: unknown, keys: string[]) => (v ? String(v).split('\x1e') : [])
      .map((item) => Object.fromEntries(item.split('\x1f').map((value, i) => [keys[i], value === '' ? null : value])));
    const ref = (id: number | null) => (id === null ? null : { id, name: this.names.get(id) ?? '' });
    return {
      id: c.id, platformNo: c.platform_no, agencyCaseNo: c.agency_case_no, title: c.title, state: c.state, stateLabel: STATES[c.state as StateKey].label,
      kind: c.kind, agency: ref(c.agency_org_id), police: ref(c.police_org_id), procuratorate: ref(c.procuratorate_org_id),
      suspectedOffence: c.suspected_offence, facts: c.facts, amountInvolved: c.amount_involved, penaltyInfo: c.penalty_info,
      createdAt: new Date(c.created_at).toISOString(), updatedAt: new Date(c.updated_at).toISOString(), version: c.version,
      parties: parse(c.parties, ['kind', 'name', 'idNumber']).map((p) => ({ kind: p.kind, name: p.name, idNumberMasked: mask(p.idNumber) })),
      tasks: parse(c.tasks, ['id', 'orgId', 'state', 'title', 'startedAt', 'dueAt', 'status', 'ruleKey', 'ruleVersion']),
      filings: parse(c.filings, ['id', 'procuratorateOrgId', 'eventId', 'filedAt', 'signedAt']),
      documents: parse(c.documents, ['id', 'eventId', 'docType', 'fileName', 'size', 'sha256', 'current']),
      timeline: events.reverse().map((e) => ({
        id: e.id, seq: e.seq, transition: e.transition, label: OTHER_EVENTS[e.transition] ?? (TRANSITIONS as Record<string, TransitionDef>)[e.transition]?.label ?? e.transition,
        fromState: e.from_state, toState: e.to_state, actorName: e.actor_name, actorOrg: e.actor_org_name, reason: e.reason,
        details: JSON.parse(e.details), at: new Date(e.at).toISOString(),
      })),
    };
  }

  /** One step, as WorkflowService.perform writes it (steps without documents or effects, like approve_transfer). */
  async act(userId: number, caseId: number, input: { transition: TransitionKey; version: number; reason?: string }, clientIp: string | null) {
    const user = this.user(userId);
    const def: TransitionDef = TRANSITIONS[input.transition];
    if (!def) throw new HttpError(400, 'unknown transition');
    if (def.requires?.length || def.effects?.length) throw new HttpError(422, 'the raw baseline takes steps without documents or effects only');
    const scope = this.scope(user.orgId);
    const conn: PoolConnection = await this.pool.getConnection();
    try {
      await conn.query('START TRANSACTION');
      const [found] = await conn.execute<CaseRow[]>(
        `SELECT id, state, version, platform_no, title, agency_org_id, police_org_id, procuratorate_org_id, supervisory_org_id
         FROM case_record WHERE id = ? FOR UPDATE`, [caseId]);
      const row = found[0];
      const partyOrg = (p: Party): number | null => (row ? { agency: row.agency_org_id, police: row.police_org_id, procuratorate: row.procuratorate_org_id, supervisory: row.supervisory_org_id }[p] : null);
      const parties = row ? [...new Set([row.agency_org_id, row.police_org_id, row.procuratorate_org_id, row.supervisory_org_id].filter((x): x is number => x !== null))] : [];
      if (!row || !parties.some((o) => scope.includes(o))) throw new HttpError(404, '案件不存在或本单位不是该案当事方');
      if (!def.from.includes(row.state)) throw new HttpError(409, `案件当前状态为“${STATES[row.state].label}”，不能执行“${def.label}”`);
      const acting = def.roles.filter((r) => user.roles.includes(r)).map((r) => PARTY_OF_ROLE[r]).find((p) => p && scope.includes(partyOrg(p) ?? -1));
      if (!acting) throw new HttpError(403, `本单位不能执行“${def.label}”`);
      if (row.version !== input.version) throw new HttpError(409, `案件已被更新（当前版本 ${row.version}）`);
      if (def.needs?.includes('reason') && !input.reason) throw new HttpError(400, '理由或说明为必填项');
      const now = new Date();
      const from = row.state;
      const to: StateKey = def.to === 'same' ? from : def.to;
      const fromReceiver = (STATES[from] as StateDef).receiver;
      const fromOrg = fromReceiver ? partyOrg(RECEIVER_PARTY[fromReceiver]) : null;
      const [moved] = await conn.execute<ResultSetHeader>(
        'UPDATE case_record SET state = ?, version = version + 1, closed_at = ?, updated_at = ? WHERE id = ? AND version = ?',
        [to, to === 'closed' ? now : null, now, row.id, input.version]);
      if (!moved.affectedRows) throw new HttpError(409, '案件已被他人同时更新');
      const [last] = await conn.execute<RowDataPacket[]>('SELECT COALESCE(MAX(seq), 0) AS seq FROM case_event WHERE case_id = ?', [row.id]);
      const orgName = this.names.get(user.orgId) ?? '';
      const details = JSON.stringify({ party: acting });
      const [event] = await conn.execute<ResultSetHeader>(
        `INSERT INTO case_event (case_id, seq, transition, from_state, to_state, actor_user_id, actor_org_id, reason, details, at, actor_name, actor_org_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [row.id, Number(last[0].seq) + 1, input.transition, from, to, user.id, user.orgId, input.reason ?? null, details, now, user.displayName.slice(0, 32), orgName.slice(0, 64)]);
      const eventId = event.insertId;
      let deadlineNote = '';
      let taskId: number | null = null;
      if (def.to !== 'same') {
        if (fromOrg) {
          const [done] = await conn.execute<RowDataPacket[]>("SELECT id FROM case_task WHERE case_id = ? AND status = 'open' AND org_id = ?", [row.id, fromOrg]);
          const ids = done.map((t) => Number(t.id));
          if (ids.length) {
            const marks = ids.map(() => '?').join(',');
            await conn.execute(`UPDATE case_task SET status = 'done', closed_by_event_id = ?, closed_at = ?, next_remind_at = NULL WHERE id IN (${marks})`, [eventId, now, ...ids]);
            const [pending] = await conn.execute<RowDataPacket[]>(`SELECT id FROM reminder WHERE task_id IN (${marks}) AND status = 'pending'`, ids);
            if (pending.length) {
              const rids = pending.map((r) => Number(r.id));
              await conn.execute(`UPDATE reminder SET status = 'cancelled' WHERE id IN (${rids.map(() => '?').join(',')})`, rids);
              await conn.query('INSERT INTO reminder_log (reminder_id, event, detail, at) VALUES ?', [rids.map((id) => [id, 'cancelled', '待办已办结', now])]);
            }
          }
        }
        const receiver = (STATES[to] as StateDef).receiver;
        if (receiver) {
          const orgId = partyOrg(RECEIVER_PARTY[receiver]);
          if (!orgId) throw new HttpError(500, `无法确定“${STATES[to].label}”的办理单位`);
          const rule = def.deadline ? this.current.get(def.deadline) : undefined;
          const due = rule ? new Date(now.getTime() + rule.hours * HOUR) : null;
          const [task] = await conn.execute<ResultSetHeader>(
            `INSERT INTO case_task (case_id, org_id, state, title, rule_key, rule_version, started_at, due_at, due_flagged, status, opened_by_event_id, next_remind_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'open', ?, ?)`,
            [row.id, orgId, to, (STATES[to] as StateDef).task ?? STATES[to].label, rule?.key ?? null, rule?.version ?? null, now, due, eventId, now]);
          taskId = task.insertId;
          if (due) deadlineNote = `。办理期限：${due.toISOString().slice(0, 16).replace('T', ' ')}前`;
        }
      }
      // 通报: every other party of the case.
      const receivers = parties.filter((o) => o !== user.orgId);
      if (receivers.length) {
        const title = `${row.platform_no} ${row.title}：${def.label}`.slice(0, 200);
        const body = `${orgName}：${def.label}${deadlineNote}`.slice(0, 1000);
        await conn.query('INSERT INTO notification (org_id, case_id, event_id, title, body, created_at) VALUES ?', [receivers.map((o) => [o, row.id, eventId, title, body, now])]);
      }
      await conn.execute(
        `INSERT INTO audit_log (at, user_id, username, org_id, action, target_type, target_id, outcome, client_ip, request_id, details)
         VALUES (?, ?, ?, ?, 'cases.act', 'case', ?, 'success', ?, NULL, ?)`,
        [now, user.id, user.username, user.orgId, String(row.id), clientIp, JSON.stringify({ id: row.id, ...input })]);
      await conn.query('COMMIT');
      return { id: row.id, state: to, version: row.version + 1, eventId, taskId };
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /**
   * Search as a procuratorate: its filed cases, filtered, newest first, one keyset page and a bounded count.
   * The read is the procuratorate's scope rows (case_party_org (org_id[, state], created_at, case_id): the
   * index the schema has for "this organisation's cases by state and date"; on case_record, a state filter
   * would be a row read per case of the date range), the case row joined for the page's columns.
   */
  async search(orgId: number, q: { state?: string; from?: string; to?: string; party?: string; no?: string; before?: string; pageSize?: number }) {
    const scope = this.scope(orgId);
    const where = [`p.org_id IN (${scope.map(() => '?').join(',')})`, "p.role = 'procuratorate'"];
    const params: ExecuteValues[] = [...scope];
    if (q.state) {
      where.push('p.state = ?');
      params.push(q.state);
    }
    if (q.from) {
      where.push('p.created_at >= ?');
      params.push(new Date(`${q.from}T00:00:00+08:00`));
    }
    if (q.to) {
      where.push('p.created_at < ?');
      params.push(new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 24 * HOUR));
    }
    // Numbers and names match from their start, so an index serves them (as on the platform):
    // a platform number (LF…) by its unique index, an agency's own number within the scope, a party by ix_case_party_name.
    if (q.no) {
      where.push(/^LF\d/i.test(q.no) ? "c.platform_no LIKE ? ESCAPE '!'" : "c.agency_case_no LIKE ? ESCAPE '!'");
      params.push(`${likeEscape(q.no)}%`);
    }
    if (q.party) {
      where.push("p.case_id IN (SELECT cp.case_id FROM case_party cp WHERE cp.name LIKE ? ESCAPE '!')");
      params.push(`${likeEscape(q.party)}%`);
    }
    const filter = where.join(' AND ');
    const keyset = [...where];
    const pageParams = [...params];
    if (q.before) {
      const [at, id] = q.before.split('_');
      keyset.push('(p.created_at < ? OR (p.created_at = ? AND p.case_id < ?))');
      pageParams.push(new Date(at), new Date(at), Number(id));
    }
    const size = Math.min(100, q.pageSize ?? 20);
    const now = new Date();
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      `SELECT c.id, c.platform_no, c.agency_case_no, c.title, c.state, c.kind, c.agency_org_id, c.police_org_id, c.procuratorate_org_id,
         c.suspected_offence, c.created_at, c.updated_at, c.version,
         EXISTS (SELECT 1 FROM case_task t WHERE t.case_id = c.id AND t.status = 'open' AND t.due_at < ?) AS overdue
       FROM case_party_org p JOIN case_record c ON c.id = p.case_id WHERE ${keyset.join(' AND ')} ORDER BY p.created_at DESC, p.case_id DESC LIMIT ${size}`, [now, ...pageParams]);
    const [count] = await this.pool.execute<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM case_party_org p${q.no ? ' JOIN case_record c ON c.id = p.case_id' : ''} WHERE ${filter} LIMIT 1001) x`, params);
    const n = Number(count[0].n);
    const ref = (id: number | null) => (id === null ? null : { id, name: this.names.get(id) ?? '' });
    const lastRow = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({
        id: r.id, platformNo: r.platform_no, agencyCaseNo: r.agency_case_no, title: r.title, state: r.state, stateLabel: STATES[r.state as StateKey].label,
        kind: r.kind, agency: ref(r.agency_org_id), police: ref(r.police_org_id), procuratorate: ref(r.procuratorate_org_id),
        suspectedOffence: r.suspected_offence, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(),
        version: r.version, overdue: !!r.overdue,
      })),
      total: n > 1000 ? '1,000+' : n,
      next: rows.length === size && lastRow ? `${new Date(lastRow.created_at).toISOString()}_${lastRow.id}` : null,
    };
  }

  /**
   * The reminder scan's reads: due tasks in keyset batches read from the next_remind_at index alone
   * (a closed task has none: the platform clears it when the task closes), then each batch's open
   * rows with their case numbers.
   */
  async scanReads(batch = 2000) {
    const started = performance.now();
    const now = new Date();
    let after: { at: Date; id: number } | null = null as { at: Date; id: number } | null;
    let tasks = 0;
    let batches = 0;
    for (;;) {
      const [page]: [RowDataPacket[], unknown] = after !== null
        ? await this.pool.execute<RowDataPacket[]>(
          `SELECT id, next_remind_at FROM case_task WHERE next_remind_at <= ?
           AND (next_remind_at > ? OR (next_remind_at = ? AND id > ?)) ORDER BY next_remind_at, id LIMIT ${batch}`, [now, after.at, after.at, after.id])
        : await this.pool.execute<RowDataPacket[]>(
          `SELECT id, next_remind_at FROM case_task WHERE next_remind_at <= ? ORDER BY next_remind_at, id LIMIT ${batch}`, [now]);
      if (!page.length) break;
      const last: RowDataPacket = page[page.length - 1];
      after = { at: new Date(last.next_remind_at), id: Number(last.id) };
      const [rows] = await this.pool.query<RowDataPacket[]>(
        `SELECT t.id, t.case_id, t.org_id, t.assignee_id, t.title, t.started_at, t.due_at, t.rule_key, t.rule_version, c.platform_no
         FROM case_task t JOIN case_record c ON c.id = t.case_id
         WHERE t.id IN (${page.map((p: RowDataPacket) => Number(p.id)).join(',')}) AND t.status = 'open'`);
      tasks += rows.length;
      batches++;
      if (page.length < batch) break;
    }
    return { tasks, batches, ms: Math.round(performance.now() - started) };
  }
}

function likeEscape(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

function mask(value: string | null): string | null {
  if (!value) return null;
  return value.length <= 7 ? '*'.repeat(value.length) : `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
}

/** The HTTP front: `x-org` / `x-user` name the caller. */
export async function startRawServer(db: { host: string; port: number; user: string; password: string; database: string }): Promise<http.Server> {
  const pool = createPool({
    host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, connectionLimit: 10,
    timezone: 'Z', charset: 'utf8mb4_unicode_ci', supportBigNumbers: true, bigNumberStrings: true,
  });
  // The platform's write transactions run at READ COMMITTED (backend/src/common/db.ts): so do these.
  pool.on('connection', (conn) => {
    void conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  const raw = new RawService(pool);
  await raw.load();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://raw');
      const org = Number(req.headers['x-org']);
      const handle = async (): Promise<unknown> => {
        const p = url.pathname;
        const q = Object.fromEntries(url.searchParams);
        if (req.method === 'GET' && p === '/tasks') return raw.inbox(org, Number(q.page ?? 1), Number(q.pageSize ?? 20));
        if (req.method === 'GET' && p === '/cases') return raw.search(org, { ...q, pageSize: q.pageSize ? Number(q.pageSize) : undefined });
        let m = /^\/cases\/(\d+)$/.exec(p);
        if (req.method === 'GET' && m) return raw.detail(org, Number(m[1]));
        m = /^\/cases\/(\d+)\/actions$/.exec(p);
        if (req.method === 'POST' && m) return raw.act(Number(req.headers['x-user']), Number(m[1]), JSON.parse(Buffer.concat(chunks).toString('utf8')), req.socket.remoteAddress ?? null);
        if (req.method === 'POST' && p === '/scan') return raw.scanReads();
        throw new HttpError(404, 'no such route');
      };
      handle().then((body) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      }, (err: Error) => {
        res.writeHead(err instanceof HttpError ? err.status : 500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ message: err.message }));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => void pool.end());
  return server;
}

// Forked by the runner: start, report the port, serve until told to stop (or the parent goes).
if (require.main === module && process.send) {
  process.once('message', (m: { db: Parameters<typeof startRawServer>[0] }) => {
    startRawServer(m.db).then((server) => {
      const { port } = server.address() as { port: number };
      process.send!({ port });
      process.on('disconnect', () => process.exit(0));
    }, (err: Error) => {
      process.send!({ error: err.stack ?? err.message }, () => process.exit(1));
    });
  });
}
