import { In, type EntityManager } from 'typeorm';
import type { Role } from '@lfxj/contracts';
import { CaseTask, CaseRecord, Notification } from '../cases/entities';
import { User, UserRole, OrgContact } from '../users/entities';
import { Organisation, OrgName } from '../directory/entities';
import { validOn, addDays } from '../../common/days';
import { Reminder, ReminderLog, SmsPreference, type ReminderKind } from './entities';
import type { AppConfig } from '../../config/env';
import type { WorkCalendar } from '../deadlines/calendar';
import { shanghaiDate, dueText, HOUR, MINUTE } from '../../common/clock';

const OFFICERS: Record<string, Role[]> = {
  行政执法机关: ['agency_officer', 'agency_head'], 公安机关: ['police_officer', 'police_head'], 人民检察院: ['procurator'],
  监察机关: ['supervisory_officer'],
};
const HEADS: Record<string, Role[]> = { 行政执法机关: ['agency_head'], 公安机关: ['police_head'] };

interface Due {
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

/**
 * The deadline scan. It decides which reminders are due now and writes them to the outbox
 * with a unique dedupe key (task, kind, recipient, window): running it twice, or on two
 * instances, or after a crash, cannot create a second reminder.
 */
export class ReminderPlanner {
  constructor(private cfg: AppConfig) {}

  async scan(em: EntityManager, now: Date, calendar: WorkCalendar): Promise<number> {
    const tasks = await em.createQueryBuilder(CaseTask, 't').where("t.status = 'open'")
      .andWhere('(t.started_at >= :recent OR t.due_at IS NOT NULL)', { recent: new Date(now.getTime() - 48 * HOUR) }).getMany();
    const dues: Due[] = [];
    const today = shanghaiDate(now);
    for (const task of tasks) {
      if (now.getTime() - task.startedAt.getTime() < 48 * HOUR) dues.push({ task, kind: 'new_task', window: 'new' });
      if (!task.dueAt) continue;
      const start = task.startedAt.getTime();
      const due = task.dueAt.getTime();
      if (now.getTime() < due) {
        const points = [
          ...this.cfg.reminders.dueSoonHours.map((h) => ({ at: due - h * HOUR, label: `h${h}` })),
          ...this.cfg.reminders.dueSoonFractions.map((f) => ({ at: start + f * (due - start), label: `p${Math.round(f * 100)}` })),
        ];
        for (const p of points) {
          const at = this.onWorkingDay(p.at, start, calendar);
          // A point at (or before) the task's start would only repeat the new-task reminder.
          if (at > start + MINUTE && now.getTime() >= at) dues.push({ task, kind: 'due_soon', window: p.label });
        }
      } else {
        // Overdue: at once, then again each working day until done; the head is told too.
        const window = calendar.isWorkday(today) ? today : now.getTime() - due < 24 * HOUR ? 'first' : null;
        if (window) {
          dues.push({ task, kind: 'overdue', window });
          dues.push({ task, kind: 'escalation', window, heads: true });
        }
      }
    }
    if (!dues.length) return 0;
    return this.write(em, dues, now);
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
    for (let i = 0; i < fresh.length; i += 200) {
      await em.createQueryBuilder().insert().into(Reminder).values(fresh.slice(i, i + 200)).orIgnore().execute();
    }
    const newNotices = fresh.filter((r) => r.channel === 'inapp').map((r) => notices.get(r.dedupeKey!)!);
    if (newNotices.length) await em.insert(Notification, newNotices);
    const saved = fresh.length ? await em.find(Reminder, { where: { dedupeKey: In(fresh.map((r) => r.dedupeKey!)) }, select: { id: true, channel: true } }) : [];
    if (saved.length) await em.insert(ReminderLog, saved.map((r) => ({ reminderId: r.id, event: r.channel === 'sms' ? 'queued' : 'sent', code: null, detail: null, providerId: null, at: now })));
    return fresh.length;
  }

  /** The organisation's duty contacts, else its officers; heads for escalation. Only people in post. */
  private async recipients(em: EntityManager, orgIds: number[], orgs: Map<number, Organisation>) {
    const users = await em.find(User, { where: { orgId: In(orgIds), status: 'active' } });
    const roles = users.length ? await em.find(UserRole, { where: { userId: In(users.map((u) => u.id)) } }) : [];
    const contacts = await em.find(OrgContact, { where: { orgId: In(orgIds), kind: 'duty' } });
    const prefs = users.length ? await em.find(SmsPreference, { where: { userId: In(users.map((u) => u.id)), enabled: false } }) : [];
    const rolesOf = (id: number) => roles.filter((r) => r.userId === id).map((r) => r.role);
    const officers = new Map<number, User[]>();
    const heads = new Map<number, User[]>();
    for (const orgId of orgIds) {
      const kind = orgs.get(orgId)?.kind ?? '';
      const inOrg = users.filter((u) => u.orgId === orgId);
      const duty = inOrg.filter((u) => contacts.some((c) => c.orgId === orgId && c.userId === u.id));
      officers.set(orgId, duty.length ? duty : inOrg.filter((u) => rolesOf(u.id).some((r) => (OFFICERS[kind] ?? []).includes(r))));
      heads.set(orgId, inOrg.filter((u) => rolesOf(u.id).some((r) => (HEADS[kind] ?? []).includes(r))));
    }
    return { officers, heads, byId: new Map(users.map((u) => [u.id, u])), optedOut: new Set(prefs.map((p) => `${p.userId}:${p.kind}`)) };
  }
}
