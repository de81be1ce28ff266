import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn, VersionColumn, type EntityManager } from 'typeorm';
import { hydrate, execute, forUpdateSql } from './rows';
import { instantParam } from './sql';
import type { StateKey, DocType } from '@lfxj/contracts';
import { CreatedAt, UpdatedAt, Instant } from '../../db/columns';

@Entity('case_record')
export class CaseRecord {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'platform_no', type: 'varchar', length: 32, unique: true }) platformNo: string;
  @Column({ name: 'agency_case_no', type: 'varchar', length: 64 }) agencyCaseNo: string;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'varchar', length: 16 }) kind: 'transfer' | 'penalty_only';
  @Column({ type: 'varchar', length: 32 }) state: StateKey;
  @Column({ name: 'agency_org_id', type: 'int' }) agencyOrgId: number;
  @Column({ name: 'region_id', type: 'int' }) regionId: number;
  @Column({ name: 'police_org_id', type: 'int', nullable: true }) policeOrgId: number | null;
  @Column({ name: 'procuratorate_org_id', type: 'int', nullable: true }) procuratorateOrgId: number | null;
  @Column({ name: 'supervisory_org_id', type: 'int', nullable: true }) supervisoryOrgId: number | null;
  @Column({ name: 'suspected_offence', type: 'varchar', length: 100, nullable: true }) suspectedOffence: string | null;
  @Column({ name: 'amount_involved', type: 'decimal', precision: 18, scale: 2, nullable: true }) amountInvolved: string | null;
  @Column({ type: 'text', nullable: true }) facts: string | null;
  @Column({ name: 'penalty_info', type: 'text', nullable: true }) penaltyInfo: string | null;
  @Column({ name: 'created_by', type: 'int' }) createdBy: number;
  @Instant('closed_at', { nullable: true }) closedAt: Date | null;
  /** Optimistic lock: two officers acting at once, one wins, the other gets a 409. */
  @VersionColumn() version: number;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}

@Entity('case_party')
export class CaseParty {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  @Column({ type: 'varchar', length: 8 }) kind: 'person' | 'company';
  @Column({ type: 'varchar', length: 100 }) name: string;
  @Column({ name: 'id_number', type: 'varchar', length: 32, nullable: true }) idNumber: string | null;
}

@Entity('case_regulation')
export class CaseRegulation {
  @PrimaryColumn({ name: 'case_id', type: 'int' }) caseId: number;
  @PrimaryColumn({ name: 'regulation_id', type: 'int' }) regulationId: number;
}

/** The timeline: one row per step, the same for every party. */
@Entity('case_event')
export class CaseEvent {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  @Column({ type: 'int' }) seq: number;
  @Column({ type: 'varchar', length: 48 }) transition: string;
  @Column({ name: 'from_state', type: 'varchar', length: 32, nullable: true }) fromState: StateKey | null;
  @Column({ name: 'to_state', type: 'varchar', length: 32 }) toState: StateKey;
  @Column({ name: 'actor_user_id', type: 'int' }) actorUserId: number;
  @Column({ name: 'actor_org_id', type: 'int' }) actorOrgId: number;
  /** The actor's name and organisation's name when the step was taken: the timeline never renames the past. */
  @Column({ name: 'actor_name', type: 'varchar', length: 32 }) actorName: string;
  @Column({ name: 'actor_org_name', type: 'varchar', length: 64 }) actorOrgName: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'text' }) details: string;
  @Instant('at') at: Date;
}

/**
 * The case scope as a table (issue 8): one row per party organisation of a case, with copies of
 * the case's state and registration instant so a search pages from the index. Written only by
 * `syncPartyOrgs`, in the transaction that changes the case.
 */
@Entity('case_party_org')
export class CasePartyOrg {
  @PrimaryColumn({ name: 'case_id', type: 'int' }) caseId: number;
  @PrimaryColumn({ type: 'varchar', length: 16 }) role: 'agency' | 'police' | 'procuratorate' | 'supervisory';
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  @Column({ type: 'varchar', length: 32 }) state: StateKey;
  @Instant('created_at') createdAt: Date;
}

/**
 * Write the scope rows of a case as the row now stands (its four party organisations and its
 * state), in one statement. Every change of a party organisation or of the state calls it in the
 * same transaction; a party is never removed from a case, only replaced (转送 to another police body).
 */
export async function syncPartyOrgs(em: EntityManager, row: CaseRecord): Promise<void> {
  const parties = ([['agency', row.agencyOrgId], ['police', row.policeOrgId], ['procuratorate', row.procuratorateOrgId], ['supervisory', row.supervisoryOrgId]] as const)
    .filter((p): p is readonly [CasePartyOrg['role'], number] => p[1] !== null)
    .map(([role, orgId]) => ({ caseId: row.id, role, orgId, state: row.state, createdAt: row.createdAt }));
  await em.upsert(CasePartyOrg, parties, { conflictPaths: ['caseId', 'role'], skipUpdateIfNoValuesChanged: false });
}

/**
 * Lock a case row for the rest of the transaction and read it as committed now. Every write
 * to a case (a step, an extension, signing a filing) takes this lock first, so steps on one
 * case run one after another and always in the same lock order (case, then its tasks).
 */
export async function lockCase(em: EntityManager, caseId: number): Promise<CaseRecord | null> {
  return (await lockCaseWith(em, caseId, ''))?.row ?? null;
}

/** `lockCase` with more columns read in the same statement (`extra`: `, (SELECT …) AS name`); they are not locked. */
export async function lockCaseWith(em: EntityManager, caseId: number, extra: string): Promise<{ row: CaseRecord; raw: Record<string, unknown> } | null> {
  const [raw] = await em.query(`SELECT c.*${extra} FROM case_record c WHERE c.id = ?${forUpdateSql(em)}`, [caseId]) as Array<Record<string, unknown>>;
  return raw ? { row: hydrate(em, CaseRecord, raw), raw } : null;
}

/**
 * The scope rows follow a step that changed only the case's state (its parties are as they
 * were, so their rows exist): one UPDATE instead of the upsert of `syncPartyOrgs`.
 */
export async function syncPartyState(em: EntityManager, row: CaseRecord): Promise<void> {
  await em.query('UPDATE case_party_org SET state = ? WHERE case_id = ?', [row.state, row.id]);
}

/** Who took a step, as named at the time. */
export interface Actor {
  userId: number;
  name: string;
  orgId: number;
  orgName: string;
}

/**
 * Append a step to a case's timeline. It holds the case's row lock (taken here unless the caller
 * says it already holds it), so the next `seq` is read after every earlier step committed: no
 * gaps, no duplicate key between an action and an extension racing it.
 */
export async function appendEvent(
  em: EntityManager, actor: Actor,
  event: Omit<CaseEvent, 'id' | 'seq' | 'actorUserId' | 'actorOrgId' | 'actorName' | 'actorOrgName'>,
  opts: { locked?: boolean } = {},
): Promise<AppendedEvent> {
  if (!opts.locked) await lockCase(em, event.caseId);
  // The next seq and the row in one statement (the case lock makes MAX(seq) the latest).
  const { insertId } = await execute(em,
    `INSERT INTO case_event (case_id, seq, transition, from_state, to_state, actor_user_id, actor_org_id, actor_name, actor_org_name, reason, details, at)
     SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM case_event WHERE case_id = ?`,
    [event.caseId, event.transition, event.fromState, event.toState, actor.userId, actor.orgId, actor.name.slice(0, 32), actor.orgName.slice(0, 64),
      event.reason, event.details, instantParam(event.at), event.caseId]);
  return { id: insertId, caseId: event.caseId, at: event.at };
}

/** What a caller of `appendEvent` learns of the entry it wrote. */
export interface AppendedEvent {
  id: number;
  caseId: number;
  at: Date;
}

/** Something an organisation must do for a case, and by when. */
@Entity('case_task')
export class CaseTask {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  /** The named officer, when the organisation gave the task to one. */
  @Column({ name: 'assignee_id', type: 'int', nullable: true }) assigneeId: number | null;
  @Column({ type: 'varchar', length: 32 }) state: StateKey;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ name: 'rule_key', type: 'varchar', length: 48, nullable: true }) ruleKey: string | null;
  @Column({ name: 'rule_version', type: 'int', nullable: true }) ruleVersion: number | null;
  @Instant('started_at') startedAt: Date;
  @Instant('due_at', { nullable: true }) dueAt: Date | null;
  @Column({ name: 'due_flagged', type: 'boolean', default: false }) dueFlagged: boolean;
  @Column({ name: 'flag_reason', type: 'varchar', length: 300, nullable: true }) flagReason: string | null;
  @Column({ type: 'varchar', length: 12, default: 'open' }) status: 'open' | 'done' | 'cancelled';
  @Column({ name: 'opened_by_event_id', type: 'int' }) openedByEventId: number;
  @Column({ name: 'closed_by_event_id', type: 'int', nullable: true }) closedByEventId: number | null;
  @Instant('closed_at', { nullable: true }) closedAt: Date | null;
  /** When the deadline scan should next look at this task; null once it is closed. */
  @Instant('next_remind_at', { nullable: true }) nextRemindAt: Date | null;
  /** Filled by the joins of a task view's query (not columns). */
  declare caseRow?: Pick<CaseRecord, 'id' | 'platformNo' | 'title'>;
  declare assigneeRow?: { id: number; displayName: string };
  declare extensionRows?: TaskExtension[];
}

/** Open a task in one INSERT (no read-back: the caller knows every value). */
export async function insertTask(em: EntityManager, t: Pick<CaseTask, 'caseId' | 'orgId' | 'state' | 'title' | 'ruleKey' | 'ruleVersion' | 'startedAt'
  | 'dueAt' | 'dueFlagged' | 'flagReason' | 'openedByEventId' | 'nextRemindAt'>): Promise<number> {
  const at = (d: Date | null) => (d ? instantParam(d) : null);
  const { insertId } = await execute(em,
    `INSERT INTO case_task (case_id, org_id, assignee_id, state, title, rule_key, rule_version, started_at, due_at, due_flagged, flag_reason, status,
       opened_by_event_id, closed_by_event_id, closed_at, next_remind_at)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, NULL, NULL, ?)`,
    [t.caseId, t.orgId, t.state, t.title, t.ruleKey, t.ruleVersion, at(t.startedAt), at(t.dueAt), t.dueFlagged ? 1 : 0, t.flagReason, t.openedByEventId, at(t.nextRemindAt)]);
  return insertId;
}

@Entity('task_extension')
export class TaskExtension {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'task_id', type: 'int' }) taskId: number;
  @Column({ name: 'extension_key', type: 'varchar', length: 48 }) extensionKey: string;
  @Column({ name: 'approved_by', type: 'int' }) approvedBy: number;
  @Column({ type: 'varchar', length: 2000 }) reason: string;
  @Instant('previous_due_at', { nullable: true }) previousDueAt: Date | null;
  @Instant('new_due_at') newDueAt: Date;
  @Instant('at') at: Date;
  /** Filled by the join of a task view's query. */
  declare approver?: { id: number; displayName: string };
}

/** 备案: every transfer is filed with the filing procuratorate, which signs for it. */
@Entity('filing')
export class Filing {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  @Column({ name: 'procuratorate_org_id', type: 'int' }) procuratorateOrgId: number;
  @Column({ name: 'event_id', type: 'int' }) eventId: number;
  @Instant('filed_at') filedAt: Date;
  /** JSON list of document ids filed as copies (transfer letter, material list, penalty decision). */
  @Column({ type: 'text' }) materials: string;
  @Instant('signed_at', { nullable: true }) signedAt: Date | null;
  @Column({ name: 'signed_by', type: 'int', nullable: true }) signedBy: number | null;
  /** Filled by the join of the case detail's query. */
  declare signer?: { id: number; displayName: string };
}

@Entity('case_document')
export class CaseDocument {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  /** Null while uploaded but not yet attached to a step. */
  @Column({ name: 'event_id', type: 'int', nullable: true }) eventId: number | null;
  @Column({ name: 'doc_type', type: 'varchar', length: 32 }) docType: DocType;
  @Column({ name: 'file_name', type: 'varchar', length: 255 }) fileName: string;
  @Column({ type: 'varchar', length: 100 }) mime: string;
  @Column({ type: 'int' }) size: number;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'storage_key', type: 'varchar', length: 200 }) storageKey: string;
  @Column({ type: 'int', default: 1 }) version: number;
  @Column({ name: 'replaces_id', type: 'int', nullable: true }) replacesId: number | null;
  /** A replaced file is kept, no longer current. */
  @Column({ type: 'boolean', default: true }) current: boolean;
  @Column({ name: 'uploaded_by', type: 'int' }) uploadedBy: number;
  @Column({ name: 'uploaded_by_org', type: 'int' }) uploadedByOrg: number;
  @Instant('uploaded_at') uploadedAt: Date;
}

/** 通报 to an organisation; read state is per person. */
@Entity('notification')
export class Notification {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  @Column({ name: 'case_id', type: 'int' }) caseId: number;
  @Column({ name: 'event_id', type: 'int', nullable: true }) eventId: number | null;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'varchar', length: 1000 }) body: string;
  @CreatedAt() createdAt: Date;
}

@Entity('notification_read')
export class NotificationRead {
  @PrimaryColumn({ name: 'notification_id', type: 'int' }) notificationId: number;
  @PrimaryColumn({ name: 'user_id', type: 'int' }) userId: number;
  @CreatedAt() createdAt: Date;
}
