import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, IsNull, type EntityManager } from 'typeorm';
import { CaseTask, TaskExtension, Notification, NotificationRead, Filing, CaseRecord, appendEvent, lockCase } from './entities';
import { CaseAccess } from './case-access';
import { User } from '../users/entities';
import { CasesService } from './cases.service';
import { DeadlinesService } from '../deadlines/deadlines.service';
import { escapeLike } from '../directory/directory.service';
import { AppError } from '../../common/app-error';
import { Clock, HOUR, shanghaiMinute } from '../../common/clock';
import { instantParam, marks } from './sql';
import type { AuthUser } from '../auth/auth.service';
import type { Role } from '@lfxj/contracts';

/** The inbox (待办), approved extensions, 通报 and 备案 from the receiving side. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class TasksService {
  @Inject() private access: CaseAccess;
  @Inject() private cases: CasesService;
  @Inject() private deadlines: DeadlinesService;
  @Inject() private clock: Clock;

  /**
   * My organisation's tasks, most urgent first (no deadline last), with overdue and due-soon counts.
   *
   * Read from ix_case_task_org_status_due (org_id, status, due_at; the id follows in the index):
   * the dated tasks in (due_at, id) order, then, once those run out, the undated ones in id order;
   * two ordered reads instead of ORDER BY CASE WHEN due_at IS NULL, which no index can serve. The
   * counters come from one grouped pass over the same index (it alone, never the table).
   */
  async inbox(em: EntityManager, user: AuthUser, q: { page: number; pageSize: number; status?: 'open' | 'done' }) {
    const { orgIds } = await this.access.viewer(em, user);
    const status = q.status ?? 'open';
    const now = this.clock.now();
    const counted = await em.query(
      `SELECT status, COUNT(*) AS total, COUNT(due_at) AS dated, SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) AS overdue,
        SUM(CASE WHEN due_at >= ? AND due_at < ? THEN 1 ELSE 0 END) AS soon
       FROM case_task WHERE org_id IN (${marks(orgIds)}) AND status IN (?, 'open') GROUP BY status`,
      [instantParam(now), instantParam(now), instantParam(new Date(now.getTime() + 24 * HOUR)), ...orgIds, status],
    ) as Array<{ status: string; total: string | number; dated: string | number; overdue: string | number | null; soon: string | number | null }>;
    const mine = counted.find((r) => r.status === status);
    const open = counted.find((r) => r.status === 'open');
    const offset = (q.page - 1) * q.pageSize;
    const dated = Number(mine?.dated ?? 0);
    const ids = offset < dated ? await this.inboxIds(em, orgIds, status, true, q.pageSize, offset) : [];
    if (ids.length < q.pageSize && Number(mine?.total ?? 0) > dated) {
      ids.push(...await this.inboxIds(em, orgIds, status, false, q.pageSize - ids.length, Math.max(0, offset + ids.length - dated)));
    }
    const views = new Map((ids.length ? await this.cases.loadTaskViews(em, (qb) => qb.where('t.id IN (:...ids)', { ids })) : []).map((v) => [v.id, v]));
    return {
      items: ids.map((id) => views.get(id)).filter((v): v is NonNullable<typeof v> => !!v), total: Number(mine?.total ?? 0), page: q.page, pageSize: q.pageSize,
      overdueCount: Number(open?.overdue ?? 0), dueSoonCount: Number(open?.soon ?? 0),
    };
  }

  /** One ordered read of the inbox index: per organisation of the scope, merged (usually there is one). */
  private async inboxIds(em: EntityManager, orgIds: number[], status: string, dated: boolean, limit: number, offset: number): Promise<number[]> {
    const order = dated ? 'due_at, id' : 'id';
    const branch = `SELECT id, due_at FROM case_task WHERE org_id = ? AND status = ? AND due_at IS ${dated ? 'NOT ' : ''}NULL ORDER BY ${order}`;
    const sql = orgIds.length === 1 ? branch
      : `${orgIds.map((_, i) => `SELECT id, due_at FROM (${branch} LIMIT ${limit + offset}) b${i}`).join(' UNION ALL ')} ORDER BY ${order}`;
    const rows = await em.query(`${sql} LIMIT ? OFFSET ?`, [...orgIds.flatMap((org) => [org, status]), limit, offset]) as Array<{ id: number | string }>;
    return rows.map((r) => Number(r.id));
  }

  /** Give an open task of my organisation to a named officer of it (or back to the organisation). */
  async assign(em: EntityManager, user: AuthUser, taskId: number, assigneeId: number | null) {
    const task = await em.findOneBy(CaseTask, { id: taskId });
    const { orgIds } = await this.access.viewer(em, user);
    if (!task || !orgIds.includes(task.orgId)) throw new AppError('NOT_FOUND', `待办不存在（编号 ${taskId}）`, { field: 'id' });
    if (task.status !== 'open') throw new AppError('CONFLICT', '该待办已办结');
    if (assigneeId !== null) {
      const person = await em.findOneBy(User, { id: assigneeId });
      if (!person || person.status !== 'active' || person.orgId !== task.orgId) {
        throw AppError.field('userId', '承办人', '必须是本单位在岗人员', 'RULE_VIOLATION');
      }
    }
    // The new recipient is reminded from now on (the scan looks at the task again at once).
    await em.update(CaseTask, { id: taskId }, { assigneeId, nextRemindAt: this.clock.now() });
    return this.taskView(em, taskId);
  }

  /** An approved extension (e.g. 经济犯罪 JJ Art16): recomputed from the original start, recorded on the timeline. */
  async extend(em: EntityManager, user: AuthUser, taskId: number, extensionKey: string, reason: string) {
    const found = await em.findOneBy(CaseTask, { id: taskId });
    if (!found) throw new AppError('NOT_FOUND', `待办不存在（编号 ${taskId}）`, { field: 'id' });
    // The case row first, as every step does; then the task as that step left it (a step that
    // closed it a moment ago makes this a 409, not a duplicate timeline entry).
    const row = (await lockCase(em, found.caseId))!;
    const task = await em.findOneByOrFail(CaseTask, { id: taskId });
    const { orgIds } = await this.access.viewer(em, user);
    if (!orgIds.includes(task.orgId)) throw new AppError('FORBIDDEN', '只能批准本单位待办的延期');
    if (task.status !== 'open') throw new AppError('CONFLICT', '该待办已办结，不能延期');
    if (!task.ruleKey || !task.ruleVersion) throw new AppError('RULE_VIOLATION', '该待办没有法定期限，无需延期');
    const rule = await this.deadlines.version(em, task.ruleKey, task.ruleVersion);
    const extensions = rule.extensionList();
    const ext = extensions.find((e) => e.key === extensionKey);
    if (!ext) {
      throw AppError.field('extension', '延长类型', extensions.length ? `可选：${extensions.map((e) => `${e.key}（${e.label}）`).join('、')}` : '该期限不允许延长', 'RULE_VIOLATION');
    }
    if (!user.roles.includes(ext.approverRole as Role)) throw new AppError('FORBIDDEN', `“${ext.label}”须由有审批权的负责人批准`);
    const approved = await em.find(TaskExtension, { where: { taskId } });
    if (approved.some((a) => a.extensionKey === ext.key)) throw new AppError('CONFLICT', `“${ext.label}”已经批准过`);
    if (ext.after && !approved.some((a) => a.extensionKey === ext.after)) {
      throw new AppError('RULE_VIOLATION', `须先批准“${extensions.find((e) => e.key === ext.after)?.label ?? ext.after}”`, { field: 'extension' });
    }
    const due = await this.deadlines.due(em, task.startedAt, { amount: ext.totalAmount, unit: ext.unit, rolloverOnRestDay: rule.rolloverOnRestDay });
    const now = this.clock.now();
    await em.insert(TaskExtension, { taskId, extensionKey: ext.key, approvedBy: user.id, reason, previousDueAt: task.dueAt, newDueAt: due.dueAt, at: now });
    await em.update(CaseTask, { id: taskId }, { dueAt: due.dueAt, dueFlagged: due.flagged, flagReason: due.flagReason, nextRemindAt: now });
    // The extension shows on the timeline like any step, and changes the case like one: its
    // version moves on, so an action prepared on the old version answers 409.
    await em.createQueryBuilder().update(CaseRecord).set({ version: () => 'version + 1' })
      .where('id = :id AND version = :version', { id: row.id, version: row.version }).execute();
    await appendEvent(em, await this.access.actor(em, user), {
      caseId: task.caseId, transition: 'extend_deadline', fromState: row.state, toState: row.state, reason, at: now,
      details: JSON.stringify({ taskId, extension: ext.key, label: ext.label, basis: ext.basis, previousDueAt: task.dueAt?.toISOString() ?? null, newDueAt: due.dueAt.toISOString() }),
    }, { locked: true });
    return this.taskView(em, taskId);
  }

  private async taskView(em: EntityManager, taskId: number) {
    const [view] = await this.cases.loadTaskViews(em, (qb) => qb.where('t.id = :taskId', { taskId }));
    if (!view) throw new AppError('NOT_FOUND', `待办不存在（编号 ${taskId}）`, { field: 'id' });
    return view;
  }

  /** The procuratorate's supervision view: overdue tasks of the cases filed with it (or of its city). */
  async overdueForSupervision(em: EntityManager, user: AuthUser, q: { page: number; pageSize: number; orgId?: number; q?: string }) {
    const viewer = await this.access.viewer(em, user);
    const qb = this.access.restrict(em.createQueryBuilder(CaseTask, 't').innerJoin(CaseRecord, 'c', 'c.id = t.case_id'), viewer)
      .andWhere("t.status = 'open' AND t.due_at < :now", { now: this.clock.now() });
    if (q.orgId) qb.andWhere('t.org_id = :orgId', { orgId: q.orgId });
    if (q.q) qb.andWhere("(c.platform_no LIKE :q ESCAPE '!' OR c.title LIKE :q ESCAPE '!')", { q: `%${escapeLike(q.q)}%` });
    const [rows, total] = await qb.orderBy('t.dueAt', 'ASC').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.cases.taskViews(em, rows), total, page: q.page, pageSize: q.pageSize };
  }

  async notifications(em: EntityManager, user: AuthUser, q: { page: number; pageSize: number; unread?: string }) {
    const { orgIds } = await this.access.viewer(em, user);
    const base = () => {
      const qb = em.createQueryBuilder(Notification, 'n').where('n.org_id IN (:...orgIds)', { orgIds });
      return qb;
    };
    const unreadClause = 'n.id NOT IN (SELECT r.notification_id FROM notification_read r WHERE r.user_id = :userId)';
    const qb = base();
    if (q.unread === 'true') qb.andWhere(unreadClause, { userId: user.id });
    const [rows, total] = await qb.orderBy('n.id', 'DESC').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    const ids = rows.map((r) => r.id);
    const read = new Set((ids.length ? await em.find(NotificationRead, { where: { userId: user.id, notificationId: In(ids) } }) : []).map((r) => r.notificationId));
    const caseIds = [...new Set(rows.map((r) => r.caseId))];
    const nos = new Map((caseIds.length ? await em.find(CaseRecord, { where: { id: In(caseIds) }, select: { id: true, platformNo: true } }) : []).map((c) => [c.id, c.platformNo]));
    return {
      items: rows.map((n) => ({
        id: n.id, caseId: n.caseId, platformNo: nos.get(n.caseId) ?? '', eventId: n.eventId, title: n.title, body: n.body,
        createdAt: n.createdAt.toISOString(), read: read.has(n.id),
      })),
      total, page: q.page, pageSize: q.pageSize,
      unreadCount: await base().andWhere(unreadClause, { userId: user.id }).getCount(),
    };
  }

  async markRead(em: EntityManager, user: AuthUser, id: number): Promise<void> {
    const n = await em.findOneBy(Notification, { id });
    const { orgIds } = await this.access.viewer(em, user);
    if (!n || !orgIds.includes(n.orgId)) throw new AppError('NOT_FOUND', `通报不存在（编号 ${id}）`, { field: 'id' });
    if (!(await em.findOneBy(NotificationRead, { notificationId: id, userId: user.id }))) await em.insert(NotificationRead, { notificationId: id, userId: user.id });
  }

  async filings(em: EntityManager, user: AuthUser, q: { page: number; pageSize: number; signed?: string }) {
    const { orgIds } = await this.access.viewer(em, user);
    const qb = em.createQueryBuilder(Filing, 'f').where('f.procuratorate_org_id IN (:...orgIds)', { orgIds });
    if (q.signed === 'true') qb.andWhere('f.signed_at IS NOT NULL');
    if (q.signed === 'false') qb.andWhere('f.signed_at IS NULL');
    const [rows, total] = await qb.orderBy('f.id', 'DESC').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.cases.filingViews(em, rows), total, page: q.page, pageSize: q.pageSize };
  }

  /**
   * The filing procuratorate signs for a 备案. Like a step, it goes on the timeline and every
   * other party of the case is told (通报); it does not change the case's state or version.
   */
  async signFiling(em: EntityManager, user: AuthUser, id: number) {
    const found = await em.findOneBy(Filing, { id });
    const { orgIds } = await this.access.viewer(em, user);
    if (!found || !orgIds.includes(found.procuratorateOrgId)) throw new AppError('NOT_FOUND', `备案不存在（编号 ${id}）`, { field: 'id' });
    const row = (await lockCase(em, found.caseId))!;
    const now = this.clock.now();
    const signed = await em.update(Filing, { id, signedAt: IsNull() }, { signedAt: now, signedBy: user.id });
    if (!signed.affected) throw new AppError('CONFLICT', '该备案已签收');
    const actor = await this.access.actor(em, user);
    const event = await appendEvent(em, actor, {
      caseId: row.id, transition: 'sign_filing', fromState: row.state, toState: row.state, reason: null, at: now,
      details: JSON.stringify({ filingId: id, transferEventId: found.eventId }),
    }, { locked: true });
    const receivers = this.access.partyOrgIds(row).filter((org) => !orgIds.includes(org));
    if (receivers.length) {
      await em.insert(Notification, receivers.map((orgId) => ({
        orgId, caseId: row.id, eventId: event.id, title: `${row.platformNo} ${row.title}：备案已签收`.slice(0, 200),
        body: `${actor.orgName}已于 ${shanghaiMinute(now)} 签收备案`,
      })));
    }
    return this.cases.filingView(em, await em.findOneByOrFail(Filing, { id }));
  }
}
