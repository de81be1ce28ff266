import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, IsNull, type EntityManager } from 'typeorm';
import {
  STATES, TRANSITIONS, RECEIVER_PARTY, DOC_TYPES,
  type TransitionKey, type TransitionDef, type StateDef, type StateKey, type ReceiverRule, type Party, type Role,
} from '@lfxj/contracts';
import {
  CaseRecord, CaseTask, Filing, CaseDocument, appendEvent, lockCaseWith, syncPartyOrgs, syncPartyState, insertTask, type AppendedEvent,
} from './entities';
import { execute, valueRows } from './rows';
import { instantParam, marks } from './sql';
import { computeDue } from '../deadlines/calendar';
import { DEADLINES_STAMP, deadlinesStampOf } from '../deadlines/deadlines.service';
import { Organisation } from '../directory/entities';
import { DirectoryService } from '../directory/directory.service';
import { DeadlinesService } from '../deadlines/deadlines.service';
import { CaseAccess, ROLE_PARTY } from './case-access';
import { AppError } from '../../common/app-error';
import { Clock, dueText } from '../../common/clock';
import type { AuthUser } from '../auth/auth.service';
import type { AuditNote } from '../../common/endpoint';
import { RemindersService } from '../reminders/reminders.service';

/**
 * The updated_at the database gate stamped on an UPDATE: its subscriber writes the instant into
 * the very values object given to `set`, so the step knows what it stored without reading back.
 */
function stampOf(values: Record<string, unknown>): Partial<Pick<CaseRecord, 'updatedAt'>> {
  return values.updatedAt instanceof Date ? { updatedAt: values.updatedAt } : {};
}

export interface ActionInput {
  transition: TransitionKey;
  version: number;
  reason?: string;
  policeOrgId?: number;
  urgeKind?: string;
  documentIds: number[];
}

/**
 * Performs one step of the process definition in the caller's transaction: checks role,
 * organisation, state, version and documents, then writes the event, moves the tasks,
 * applies the effects (routing, 备案), and tells every party (通报).
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class WorkflowService {
  @Inject() private access: CaseAccess;
  @Inject() private directory: DirectoryService;
  @Inject() private deadlines: DeadlinesService;
  @Inject() private clock: Clock;
  @Inject() private reminders: RemindersService;

  /** Returns the case row as this step left it (state, version, parties, updated_at as written). */
  async perform(em: EntityManager, user: AuthUser, caseId: number, input: ActionInput, audit: AuditNote): Promise<CaseRecord> {
    Object.assign(audit, { targetType: 'case', targetId: caseId });
    // The case row first, before anything else is locked: steps on one case queue here, and
    // every check below reads the case as the previous step left it.
    // The fingerprint of the deadline rules and calendar comes along (not locked), so the step
    // opens its task from this instance's cache while they are unchanged.
    const locked = await lockCaseWith(em, caseId, `, ${DEADLINES_STAMP}`);
    const row = locked?.row ?? null;
    const viewer = await this.access.viewer(em, user);
    if (!row || !this.access.sees(viewer, row)) throw new AppError('NOT_FOUND', `案件不存在或本单位不是该案当事方（编号 ${caseId}）`, { field: 'id' });
    const def: TransitionDef = TRANSITIONS[input.transition];

    if (!def.from.includes(row.state)) {
      throw new AppError('CONFLICT', `案件当前状态为“${STATES[row.state].label}”，不能执行“${def.label}”`, { field: 'transition', state: row.state });
    }
    const party = this.actingParty(viewer.orgIds, user, row, def);
    if (input.version !== row.version) {
      throw new AppError('CONFLICT', `案件已被更新（当前版本 ${row.version}），请刷新后重试`, { field: 'version', currentVersion: row.version });
    }
    await this.checkPayload(em, def, row, input);
    const documents = await this.checkDocuments(em, user, row, def, input.documentIds);

    const now = this.clock.now();
    const from = row.state;
    const fromReceiver = (STATES[from] as StateDef).receiver;
    const fromOrg = fromReceiver ? this.receiverOrg(row, fromReceiver) : null;
    const to: StateKey = def.to === 'same' ? from : def.to;
    // The version check that wins the race: only one UPDATE can match the version read.
    // Stamped from the app's clock like every write through the gate (common/db.ts ClockStamps).
    const closedAt = to === 'closed' ? now : null;
    const moved = await execute(em, 'UPDATE case_record SET state = ?, version = version + 1, closed_at = ?, updated_at = ? WHERE id = ? AND version = ?',
      [to, closedAt && instantParam(closedAt), instantParam(now), row.id, input.version]);
    if (!moved.affected) throw new AppError('CONFLICT', '案件已被他人同时更新，请刷新后重试', { field: 'version' });
    Object.assign(row, { state: to, version: row.version + 1, closedAt, updatedAt: now });

    const details: Record<string, unknown> = { party };
    if (input.urgeKind) details.urgeKind = input.urgeKind;
    if (input.policeOrgId) details.policeOrgId = input.policeOrgId;
    const actor = await this.access.actor(em, user);
    const event = await appendEvent(em, actor, {
      caseId: row.id, transition: input.transition, fromState: from, toState: to, reason: input.reason ?? null, details: JSON.stringify(details), at: now,
    }, { locked: true });
    if (documents.length) await em.update(CaseDocument, { id: In(documents.map((d) => d.id)) }, { eventId: event.id });

    for (const effect of def.effects ?? []) await this.applyEffect(em, effect, row, event, input);
    // The scope rows follow the case's parties and state in this same transaction.
    if (def.effects?.length) await syncPartyOrgs(em, row);
    else if (from !== to) await syncPartyState(em, row);

    let deadlineNote = '';
    if (def.to !== 'same') {
      // The step is done: close what the previous receiver had to do (a lead's task stays with the commission).
      if (fromOrg) {
        // By primary key: a range update on (case_id, status) would lock the gaps next to
        // neighbouring cases and deadlock with their steps on MySQL.
        // With whether any has a pending reminder, so the usual step without one reads no more.
        const open = await em.query(
          `SELECT t.id AS id, MAX(r.id) AS reminder FROM case_task t LEFT JOIN reminder r ON r.task_id = t.id AND r.status = 'pending'
           WHERE t.case_id = ? AND t.status = 'open' AND t.org_id = ? GROUP BY t.id`, [row.id, fromOrg]) as Array<{ id: number | string; reminder: unknown }>;
        const done = open.map((t) => Number(t.id));
        if (done.length) {
          await em.query(`UPDATE case_task SET status = 'done', closed_by_event_id = ?, closed_at = ?, next_remind_at = NULL WHERE id IN (${marks(done)})`,
            [event.id, instantParam(now), ...done]);
        }
        // Completing a task cancels its pending reminders.
        if (open.some((t) => t.reminder !== null)) await this.reminders.cancelForTasks(em, done, now);
      }
      deadlineNote = await this.openTask(em, row, to, def, event, now, deadlinesStampOf(locked!.raw));
    }

    // 通报: every party of the case learns of every step (the filing procuratorate included).
    const receivers = new Set(this.access.partyOrgIds(row));
    for (const rule of def.alsoNotify ?? []) {
      const org = this.receiverOrg(row, rule);
      if (org) receivers.add(org);
    }
    receivers.delete(user.orgId);
    const reason = input.reason?.replace(/[。．.\s]+$/u, '');
    const body = `${actor.orgName}：${def.label}${input.urgeKind ? `（${input.urgeKind}）` : ''}${reason ? `。${reason}` : ''}${deadlineNote}`.slice(0, 1000);
    if (receivers.size) {
      // One multi-row INSERT; created_at from the app's clock, as the gate stamps it.
      const title = `${row.platformNo} ${row.title}：${def.label}`.slice(0, 200);
      await em.query(`INSERT INTO notification (org_id, case_id, event_id, title, body, created_at) VALUES ${valueRows(receivers.size, 6)}`,
        [...receivers].flatMap((orgId) => [orgId, row.id, event.id, title, body, instantParam(now)]));
    }
    return row;
  }

  /**
   * The user acts for the party of one of the step's roles (agency, police, procuratorate), and
   * their organisation must be that party on this case: the police body holding it, the filing
   * procuratorate, the transferring agency (or an organisation that succeeded it).
   */
  private actingParty(scope: number[], user: AuthUser, row: CaseRecord, def: TransitionDef): Party {
    const roles = def.roles.filter((r: Role) => user.roles.includes(r));
    if (!roles.length) throw new AppError('FORBIDDEN', `当前角色不能执行“${def.label}”`);
    for (const role of roles) {
      const party = ROLE_PARTY[role];
      const org = party ? this.access.partyOrg(row, party) : null;
      if (party && org !== null && scope.includes(org)) return party;
    }
    throw new AppError('FORBIDDEN', `本单位不是该案此步骤的办理单位，不能执行“${def.label}”`);
  }

  private async checkPayload(em: EntityManager, def: TransitionDef, row: CaseRecord, input: ActionInput): Promise<void> {
    for (const need of def.needs ?? []) {
      if (need === 'reason' && !input.reason) throw AppError.field('reason', '理由或说明', `为“${def.label}”的必填项`);
      if (need === 'urgeKind' && !input.urgeKind) throw AppError.field('urgeKind', '催办类型', '为必填项');
      if (need === 'policeOrgId') {
        if (!input.policeOrgId) throw AppError.field('policeOrgId', '接收的公安机关', '为必填项');
        const police = await em.findOneBy(Organisation, { id: input.policeOrgId });
        if (!police || police.kind !== '公安机关' || police.status !== 'active') {
          throw AppError.field('policeOrgId', '接收的公安机关', '必须是存续的公安机关', 'RULE_VIOLATION');
        }
        if (police.id === row.policeOrgId) throw AppError.field('policeOrgId', '接收的公安机关', '不能是本机关', 'RULE_VIOLATION');
      }
    }
  }

  /** The required-documents checklist of the step: documents of this case, uploaded by the actor's organisation, not yet used. */
  private async checkDocuments(em: EntityManager, user: AuthUser, row: CaseRecord, def: TransitionDef, ids: number[]): Promise<CaseDocument[]> {
    const unique = [...new Set(ids)];
    const docs = unique.length ? await em.find(CaseDocument, { where: { id: In(unique), caseId: row.id, eventId: IsNull(), current: true } }) : [];
    const bad = unique.filter((id) => !docs.some((d) => d.id === id && d.uploadedByOrg === user.orgId));
    if (bad.length) {
      throw AppError.field('documentIds', '随附文书', `编号 ${bad.join('、')} 不是本单位为该案上传且尚未提交的文书`, 'RULE_VIOLATION');
    }
    const missing = (def.requires ?? []).filter((r) => !docs.some((d) => d.docType === r.type));
    if (missing.length) {
      throw AppError.field('documentIds', '随附文书', `缺少必需文书：${missing.map((m) => `${m.label}（${DOC_TYPES[m.type]}）`).join('、')}`, 'RULE_VIOLATION');
    }
    return docs;
  }

  private receiverOrg(row: CaseRecord, rule: ReceiverRule): number | null {
    return this.access.partyOrg(row, RECEIVER_PARTY[rule]);
  }

  private async applyEffect(em: EntityManager, effect: string, row: CaseRecord, event: AppendedEvent, input: ActionInput): Promise<void> {
    if (effect === 'assign_routing_police' || effect === 'lead_to_supervisory' || effect === 'create_filing') {
      // "The same level": the routing table of the agency's region names the police body,
      // the filing procuratorate and the supervisory commission.
      const route = await this.directory.routeOf(em, row.agencyOrgId);
      if (effect === 'assign_routing_police') {
        if (!route.policeOrgId || !route.procuratorateOrgId) throw new AppError('RULE_VIOLATION', '该区域的衔接路由未配置公安机关或备案检察院，请联系平台管理员');
        await this.updateCase(em, row, { policeOrgId: route.policeOrgId, procuratorateOrgId: route.procuratorateOrgId });
      }
      if (effect === 'lead_to_supervisory') {
        if (!route.supervisoryOrgId) throw new AppError('RULE_VIOLATION', '该区域的衔接路由未配置监察机关，请联系平台管理员');
        await this.updateCase(em, row, { supervisoryOrgId: route.supervisoryOrgId });
        await em.insert(CaseTask, {
          caseId: row.id, orgId: route.supervisoryOrgId, state: row.state, title: '接收职务违法犯罪线索（310号令第十八条）',
          ruleKey: null, ruleVersion: null, startedAt: event.at, dueAt: null, dueFlagged: false, flagReason: null, status: 'open',
          openedByEventId: event.id, nextRemindAt: event.at,
        });
      }
      if (effect === 'create_filing') {
        // 备案: the transfer letter and the list of materials, and the penalty decision where one exists.
        const docs = await em.find(CaseDocument, { where: { caseId: row.id, current: true } });
        const materials = docs.filter((d) => d.eventId === event.id && ['transfer_letter', 'evidence_list'].includes(d.docType) || d.docType === 'penalty_decision');
        await em.insert(Filing, {
          caseId: row.id, procuratorateOrgId: row.procuratorateOrgId ?? route.procuratorateOrgId, eventId: event.id, filedAt: event.at,
          materials: JSON.stringify(materials.map((d) => d.id)), signedAt: null, signedBy: null,
        });
      }
      return;
    }
    if (effect === 'assign_chosen_police') await this.updateCase(em, row, { policeOrgId: input.policeOrgId! });
  }

  /**
   * Change party columns of the case, keeping `row` as stored: TypeORM moves the version column
   * on every update, and the gate stamps updated_at.
   */
  private async updateCase(em: EntityManager, row: CaseRecord, patch: Partial<Pick<CaseRecord, 'policeOrgId' | 'procuratorateOrgId' | 'supervisoryOrgId'>>): Promise<void> {
    const values: Record<string, unknown> = { ...patch };
    await em.update(CaseRecord, { id: row.id }, values);
    Object.assign(row, patch, { version: row.version + 1 }, stampOf(values));
  }

  /** The next receiver's task, due by the step's deadline rule (its version is kept on the task). */
  private async openTask(em: EntityManager, row: CaseRecord, to: StateKey, def: TransitionDef, event: AppendedEvent, now: Date, deadlinesStamp: string): Promise<string> {
    const state: StateDef = STATES[to];
    if (!state.receiver) return '';
    const orgId = this.receiverOrg(row, state.receiver);
    if (!orgId) throw new AppError('INTERNAL', `无法确定“${state.label}”的办理单位`);
    let due: { dueAt: Date; flagged: boolean; flagReason: string | null } | null = null;
    let rule: { ruleKey: string; version: number } | null = null;
    if (def.deadline) {
      // The newest rule version and the working calendar in one statement (the calendar cached while unchanged).
      const { rule: current, calendar } = await this.deadlines.currentWithCalendar(em, def.deadline, deadlinesStamp);
      due = computeDue(now, current, calendar);
      rule = { ruleKey: current.ruleKey, version: current.version };
    }
    await insertTask(em, {
      caseId: row.id, orgId, state: to, title: state.task ?? state.label, ruleKey: rule?.ruleKey ?? null, ruleVersion: rule?.version ?? null,
      startedAt: now, dueAt: due?.dueAt ?? null, dueFlagged: due?.flagged ?? false, flagReason: due?.flagReason ?? null,
      openedByEventId: event.id, nextRemindAt: now,
    });
    return due ? `。办理期限：${dueText(due.dueAt)}前${due.flagged ? '（期限待核）' : ''}` : '';
  }
}
