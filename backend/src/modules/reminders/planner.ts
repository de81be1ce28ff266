import { In, type EntityManager } from 'typeorm';
import type { Role } from '@lfxj/contracts';
import { CaseTask, CaseRecord, Notification, TaskExtension } from '../cases/entities';
import { User, UserRole, OrgContact } from '../users/entities';
import { Organisation, OrgName } from '../directory/entities';
import { validOn, addDays } from '../../common/days';
import { Reminder, SmsPreference, type ReminderKind } from './entities';
import type { AppConfig } from '../../config/env';
import type { WorkCalendar } from '../deadlines/calendar';
import { shanghaiDate, dueText, HOUR, MINUTE } from '../../common/clock';
import { forUpdate } from '../../common/db';

const OFFICERS: Record<string, Role[]> = {
  行政执法机关: ['agency_officer', 'agency_head'], 公安机关: ['police_officer', 'police_head'], 人民检察院: ['procurator'],
  监察机关: ['supervisory_officer'],
};
const HEADS: Record<string, Role[]> = { 行政执法机关: ['agency_head'], 公安机关: ['police_head'] };
/** Rows per INSERT: no statement grows with the page. */
const CHUNK = 200;

export interface Due {
  task: CaseTask;
  kind: ReminderKind;
  /** The window this reminder belongs to: the same window never reminds twice. */
  window: string;
  heads?: boolean;
}

/** Neutral business wording (案件办理提醒), the same words as the SMS templates' parameters. */
export function reminderText(kind: ReminderKind, p: Record<string, string>): string {
  switch (kind) {
    case 'new_task': return `案件办理提醒：${p.org}有新的待办（${p.caseNo} ${p.task}）${p.due ? `，请于${p.due}前办理` : ''}。`;
    case 'due_soon': return `案件办理提醒：${p.caseNo}“${p.task}”将于${p.due}到期，请及时办理。`;
    case 'overdue': return `案件办理提醒：${p.caseNo}“${p.task}”已于${p.due}到期，尚未办理。`;
    case 'escalation': return `案件办理提醒：${p.org}的${p.caseNo}“${p.task}”已逾期（${p.due}到期），请督促办理。`;
    case 'digest': return `案件办理提醒：您有${p.count}件案件待办或即将到期，请登录两法衔接平台查看。`;
    case 'test': return '案件办理提醒：这是一条测试短信，收到即表示短信通道正常。';
    case 'account': throw new Error('账号通知的文字由发件方给出（SmsService.queueAccountMessage）');
  }
}

/** Where a keyset scan stopped: the last task read, in (next_remind_at, id) order. */
export interface ScanCursor {
  at: Date;
  id: number;
}

/** What one page did. */
export interface PageResult {
  tasks: number;
  written: number;
}

/**
 * The deadline scan, one page at a time. Each open task keeps the instant its next reminder is
 * due (`next_remind_at`, indexed); the scan reads only tasks whose instant has come, in keyset
 * pages, and for each page in one short transaction writes the reminders that are due to the
 * outbox with a unique dedupe key (task, kind, window, recipient) and moves each task's instant
 * to its next point. Running it twice, on two instances or after a crash cannot create a second
 * reminder; a task whose point lies ahead is not read at all.
 */
export class ReminderPlanner {
  constructor(private cfg: AppConfig) {}

  /** The next page of tasks due for a look (ids and instants only: the page's transaction reads them again, locked). */
  async nextPage(em: EntityManager, now: Date, after: ScanCursor | null, size: number): Promise<ScanCursor[]> {
    const qb = em.createQueryBuilder(CaseTask, 't').select(['t.id', 't.nextRemindAt'])
      .where("t.status = 'open' AND t.next_remind_at <= :now", { now });
    if (after) qb.andWhere('(t.next_remind_at > :afterAt OR (t.next_remind_at = :afterAt AND t.id > :afterId))', { afterAt: after.at, afterId: after.id });
    const rows = await qb.orderBy('t.next_remind_at', 'ASC').addOrderBy('t.id', 'ASC').limit(size).getMany();
    return rows.map((t) => ({ id: t.id, at: t.nextRemindAt! }));
  }

  /**
   * One page in the caller's transaction: the tasks are read again and locked (an action or an
   * extension on one of them waits for this page, never overwrites or is overwritten by it),
   * everything the reminders need is loaded for the whole page at once, and every task's next
   * instant is written in one statement.
   */
  async page(em: EntityManager, ids: number[], now: Date, calendar: WorkCalendar): Promise<PageResult> {
    if (!ids.length) return { tasks: 0, written: 0 };
    const tasks = await forUpdate(em.createQueryBuilder(CaseTask, 't').where('t.id IN (:...ids)', { ids })
      .andWhere("t.status = 'open' AND t.next_remind_at <= :now", { now })).orderBy('t.id', 'ASC').getMany();
    if (!tasks.length) return { tasks: 0, written: 0 };
    const extensions = await this.extensionCounts(em, tasks.filter((t) => t.dueAt).map((t) => t.id));
    const dues: Due[] = [];
    const next = new Map<number, Date | null>();
    for (const task of tasks) {
      const plan = this.plan(task, now, calendar, extensions.get(task.id) ?? 0);
      dues.push(...plan.dues);
      next.set(task.id, plan.next);
    }
    const written = dues.length ? await this.write(em, dues, now) : 0;
    await this.setNext(em, next);
    return { tasks: tasks.length, written };
  }

  /**
   * The reminders due for a task now, and the next instant it needs a look (null: none).
   * - new task: within 48 hours of its start (its only point is the start itself);
   * - due soon: the configured hours before the deadline and shares of the window, each moved to
   *   the last working day before a rest day (never earlier than the start);
   * - overdue (and escalation to the heads): at the deadline, then at the start of each working
   *   day until done; a deadline passing on a rest day is told once within its first 24 hours.
   * After an approved extension the due-soon points of the new deadline are new windows
   * (`h24.x1`), so the new deadline is announced too.
   */
  plan(task: CaseTask, now: Date, calendar: WorkCalendar, extensions = 0): { dues: Due[]; next: Date | null } {
    const dues: Due[] = [];
    const candidates: number[] = [];
    const t = now.getTime();
    const start = task.startedAt.getTime();
    const suffix = extensions ? `.x${extensions}` : '';
    if (t - start < 48 * HOUR) dues.push({ task, kind: 'new_task', window: 'new' });
    if (task.dueAt) {
      const due = task.dueAt.getTime();
      if (t < due) {
        for (const p of this.dueSoonPoints(start, due, calendar)) {
          if (t >= p.at) dues.push({ task, kind: 'due_soon', window: p.label + suffix });
          else candidates.push(p.at);
        }
        candidates.push(due);
      } else {
        const today = shanghaiDate(now);
        const window = calendar.isWorkday(today) ? today : t - due < 24 * HOUR ? `first${suffix}` : null;
        if (window) {
          dues.push({ task, kind: 'overdue', window });
          dues.push({ task, kind: 'escalation', window, heads: true });
        }
        candidates.push(this.nextWorkingDayStart(today, calendar));
      }
    }
    const ahead = candidates.filter((c) => c > t);
    return { dues, next: ahead.length ? new Date(Math.min(...ahead)) : null };
  }

  /** A point at (or before) the task's start would only repeat the new-task reminder. */
  private dueSoonPoints(start: number, due: number, calendar: WorkCalendar): Array<{ at: number; label: string }> {
    return [
      ...this.cfg.reminders.dueSoonHours.map((h) => ({ at: due - h * HOUR, label: `h${h}` })),
      ...this.cfg.reminders.dueSoonFractions.map((f) => ({ at: start + f * (due - start), label: `p${Math.round(f * 100)}` })),
    // Whole milliseconds, as stored: a point must be due exactly at the instant kept on the task.
    ].map((p) => ({ ...p, at: this.onWorkingDay(Math.floor(p.at), start, calendar) })).filter((p) => p.at > start + MINUTE);
  }

  /** 00:00 Asia/Shanghai of the first working day after `today`. */
  private nextWorkingDayStart(today: string, calendar: WorkCalendar): number {
    let day = today;
    for (let i = 0; i < 60; i++) {
      day = addDays(day, 1);
      if (calendar.isWorkday(day)) break;
    }
    return Date.parse(`${day}T00:00:00+08:00`);
  }

  /**
   * A due-soon point on a rest day moves to 08:00 of the last working day before it, so people
   * are told before a holiday rather than during it (never earlier than the task's start).
   */
  private onWorkingDay(at: number, start: number, calendar: WorkCalendar): number {
    let day = shanghaiDate(new Date(at));
    if (calendar.isWorkday(day)) return at;
    for (let i = 0; i < 30; i++) {
      day = addDays(day, -1);
      const morning = Date.parse(`${day}T08:00:00+08:00`);
      if (morning <= start) return at;
      if (calendar.isWorkday(day)) return morning;
    }
    return at;
  }

  private async extensionCounts(em: EntityManager, taskIds: number[]): Promise<Map<number, number>> {
    if (!taskIds.length) return new Map();
    const rows = await em.createQueryBuilder(TaskExtension, 'x').select('x.task_id', 'taskId').addSelect('COUNT(*)', 'n')
      .where('x.task_id IN (:...taskIds)', { taskIds }).groupBy('x.task_id').getRawMany<{ taskId: number | string; n: number | string }>();
    return new Map(rows.map((r) => [Number(r.taskId), Number(r.n)]));
  }

  /** Every task's next instant in one UPDATE per 500 tasks (CASE id WHEN … THEN …). */
  private async setNext(em: EntityManager, next: Map<number, Date | null>): Promise<void> {
    const entries = [...next];
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500);
      const params: Record<string, unknown> = {};
      const whens = chunk.map(([id, at], j) => {
        params[`id${j}`] = id;
        params[`at${j}`] = at;
        return `WHEN :id${j} THEN :at${j}`;
      });
      await em.createQueryBuilder().update(CaseTask).set({ nextRemindAt: () => `CASE id ${whens.join(' ')} END` })
        .where('id IN (:...ids)', { ids: chunk.map(([id]) => id) }).setParameters(params).execute();
    }
  }

  private async write(em: EntityManager, dues: Due[], now: Date): Promise<number> {
    const caseIds = [...new Set(dues.map((d) => d.task.caseId))];
    const cases = new Map((await em.find(CaseRecord, { where: { id: In(caseIds) } })).map((c) => [c.id, c]));
    const orgIds = [...new Set(dues.map((d) => d.task.orgId))];
    const orgs = new Map((await em.find(Organisation, { where: { id: In(orgIds) } })).map((o) => [o.id, o]));
    const names = await em.find(OrgName, { where: { orgId: In(orgIds) } });
    const orgNames = new Map(orgIds.map((id) => [id, validOn(names.filter((n) => n.orgId === id), shanghaiDate(now))?.name ?? '']));
    const recipients = await this.recipients(em, orgIds, orgs);
    const rows: Array<Partial<Reminder>> = [];
    const notices = new Map<string, Partial<Notification>>();
    const template = this.cfg.reminders.templates;
    for (const d of dues) {
      const c = cases.get(d.task.caseId);
      if (!c) continue;
      const params = {
        org: orgNames.get(d.task.orgId) ?? '', caseNo: c.platformNo, task: d.task.title, due: d.task.dueAt ? dueText(d.task.dueAt) : '',
      };
      const text = reminderText(d.kind, params);
      const base = `task:${d.task.id}:${d.kind}:${d.window}`;
      // In-app first: immediate, once per organisation and window (the head's escalation needs no extra notice).
      if (!d.heads) {
        rows.push({ dedupeKey: `${base}:inapp`, kind: d.kind, channel: 'inapp', taskId: d.task.id, caseId: c.id, orgId: d.task.orgId, userId: null,
          phone: null, templateCode: null, params: JSON.stringify(params), text, status: 'sent', attempts: 0, nextAttemptAt: now, sentAt: now });
        notices.set(`${base}:inapp`, { orgId: d.task.orgId, caseId: c.id, eventId: null, title: `${c.platformNo} ${text.replace('案件办理提醒：', '')}`.slice(0, 200), body: text });
      }
      // The named officer, else the organisation's duty contacts, else its officers.
      const named = d.task.assigneeId ? recipients.byId.get(d.task.assigneeId) : undefined;
      const people = d.heads ? recipients.heads.get(d.task.orgId) ?? [] : named ? [named] : recipients.officers.get(d.task.orgId) ?? [];
      for (const user of people) {
        if (!user.phone || recipients.optedOut.has(`${user.id}:${d.kind}`)) continue;
        rows.push({ dedupeKey: `${base}:${user.id}`, kind: d.kind, channel: 'sms', taskId: d.task.id, caseId: c.id, orgId: d.task.orgId, userId: user.id,
          phone: user.phone, templateCode: template[d.kind], params: JSON.stringify(params), text, status: 'pending', attempts: 0, nextAttemptAt: now });
      }
    }
    // Keys already written need no second look; the unique index settles any race with another scanner.
    const existing = new Set<string>();
    for (let i = 0; i < rows.length; i += 500) {
      const keys = rows.slice(i, i + 500).map((r) => r.dedupeKey!);
      for (const r of await em.find(Reminder, { where: { dedupeKey: In(keys) }, select: { dedupeKey: true } })) existing.add(r.dedupeKey);
    }
    const fresh = rows.filter((r) => !existing.has(r.dedupeKey!));
    // Chunked so that no statement grows with the page (a packet limit must never be reached), and
    // without TypeORM reading back what it inserted (updateEntity(false)): nothing here needs the ids.
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK);
      await em.createQueryBuilder().insert().into(Reminder).values(chunk).orIgnore().updateEntity(false).execute();
      // The delivery log's first line for each, in the database (INSERT … SELECT): the new ids never travel to the app and back.
      const [select, params] = em.createQueryBuilder(Reminder, 'r')
        .select('r.id').addSelect("CASE WHEN r.channel = 'sms' THEN 'queued' ELSE 'sent' END").addSelect('NULL').addSelect('NULL').addSelect('NULL').addSelect(':at')
        .where('r.dedupe_key IN (:...keys)', { keys: chunk.map((r) => r.dedupeKey!), at: now }).getQueryAndParameters();
      const q = (name: string) => em.connection.driver.escape(name);
      await em.query(`INSERT INTO ${q('reminder_log')} (${['reminder_id', 'event', 'code', 'detail', 'provider_id', 'at'].map(q).join(', ')}) ${select}`, params);
    }
    const newNotices = fresh.filter((r) => r.channel === 'inapp').map((r) => notices.get(r.dedupeKey!)!);
    for (let i = 0; i < newNotices.length; i += CHUNK) {
      await em.createQueryBuilder().insert().into(Notification).values(newNotices.slice(i, i + CHUNK)).updateEntity(false).execute();
    }
    return fresh.length;
  }

  /** The organisation's duty contacts, else its officers; heads for escalation. Only people in post. */
  private async recipients(em: EntityManager, orgIds: number[], orgs: Map<number, Organisation>) {
    // Only what a recipient needs (never the password hash).
    const users = await em.find(User, { where: { orgId: In(orgIds), status: 'active' }, select: { id: true, orgId: true, phone: true } });
    const roles = users.length ? await em.find(UserRole, { where: { userId: In(users.map((u) => u.id)) } }) : [];
    const contacts = await em.find(OrgContact, { where: { orgId: In(orgIds), kind: 'duty' } });
    const prefs = users.length ? await em.find(SmsPreference, { where: { userId: In(users.map((u) => u.id)), enabled: false } }) : [];
    const roleMap = new Map<number, Role[]>();
    for (const r of roles) roleMap.set(r.userId, [...(roleMap.get(r.userId) ?? []), r.role]);
    const rolesOf = (id: number) => roleMap.get(id) ?? [];
    const duty = new Set(contacts.map((c) => `${c.orgId}:${c.userId}`));
    const officers = new Map<number, User[]>();
    const heads = new Map<number, User[]>();
    for (const orgId of orgIds) {
      const kind = orgs.get(orgId)?.kind ?? '';
      const inOrg = users.filter((u) => u.orgId === orgId);
      const onDuty = inOrg.filter((u) => duty.has(`${orgId}:${u.id}`));
      officers.set(orgId, onDuty.length ? onDuty : inOrg.filter((u) => rolesOf(u.id).some((r) => (OFFICERS[kind] ?? []).includes(r))));
      heads.set(orgId, inOrg.filter((u) => rolesOf(u.id).some((r) => (HEADS[kind] ?? []).includes(r))));
    }
    return { officers, heads, byId: new Map(users.map((u) => [u.id, u])), optedOut: new Set(prefs.map((p) => `${p.userId}:${p.kind}`)) };
  }
}
