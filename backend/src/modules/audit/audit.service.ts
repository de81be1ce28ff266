import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { createHash } from 'crypto';
import { IsNull, type EntityManager } from 'typeorm';
import type { VerifyResult } from '@lfxj/contracts';
import { AuditLog } from './entities';
import { Clock } from '../../common/clock';
import { Db } from '../../common/db';
import { instantParam } from '../cases/sql';

export interface AuditEntry {
  userId: number | null;
  username: string | null;
  orgId: number | null;
  action: string;
  targetType?: string | null;
  targetId?: string | number | null;
  outcome: 'success' | 'failure';
  clientIp: string | null;
  requestId: string | null;
  details?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);
const SECRET_KEYS = /password|token|secret/i;

/** Keep details small and free of secrets: passwords and tokens never reach the log. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (Array.isArray(value)) return depth > 3 ? '[…]' : value.slice(0, 20).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 3) return '{…}';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '***' : redact(v, depth + 1)]));
  }
  return value;
}

/** The canonical content of a row that its hash covers. */
function rowHash(prevHash: string, row: AuditLog): string {
  const content = [
    row.id, row.at.toISOString(), row.userId, row.username, row.orgId, row.action, row.targetType, row.targetId,
    row.outcome, row.clientIp, row.requestId, row.details,
  ];
  return createHash('sha256').update(prevHash).update(JSON.stringify(content)).digest('hex');
}

@Provide()
@Scope(ScopeEnum.Singleton)
export class AuditService {
  @Inject() private clock: Clock;
  @Inject() private db: Db;

  /** Written with the caller's transaction, so the record exists exactly when the change does. */
  async record(em: EntityManager, entry: AuditEntry): Promise<void> {
    // Plain SQL: every write request ends here, and TypeORM's insert building cost more than the write (issue 8).
    await em.query(
      `INSERT INTO audit_log (at, user_id, username, org_id, action, target_type, target_id, outcome, client_ip, request_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
      [
        instantParam(this.clock.now()), entry.userId, entry.username, entry.orgId, entry.action,
        entry.targetType ?? null, entry.targetId === undefined || entry.targetId === null ? null : String(entry.targetId),
        entry.outcome, entry.clientIp, entry.requestId, JSON.stringify(redact(entry.details ?? {})),
      ],
    );
  }

  /**
   * Link every committed, unsealed row to the chain, in the order they are sealed. Run by one
   * instance at a time (lease); should two ever run at once, the unique seal position makes
   * one of them fail rather than fork the chain. A row that commits after later ids were
   * sealed is simply sealed in the next round.
   */
  async seal(batch = 500): Promise<number> {
    let sealed = 0;
    for (;;) {
      const n = await this.db.transaction(async (em) => {
        const head = await em.createQueryBuilder(AuditLog, 'a').where('a.seal_seq IS NOT NULL').orderBy('a.seal_seq', 'DESC').limit(1).getOne();
        const rows = await em.createQueryBuilder(AuditLog, 'a').where('a.hash IS NULL').orderBy('a.id', 'ASC').limit(batch).getMany();
        let prev = head?.hash ?? GENESIS;
        let seq = Number(head?.sealSeq ?? 0);
        for (const row of rows) {
          const hash = rowHash(prev, row);
          await em.update(AuditLog, { id: row.id, hash: IsNull() }, { prevHash: prev, hash, sealSeq: String(++seq) });
          prev = hash;
        }
        return rows.length;
      });
      sealed += n;
      if (n < batch) return sealed;
    }
  }

  verify(): Promise<VerifyResult> {
    return verifyChain(this.db);
  }
}

/**
 * Walk the chain in seal order from the start; the first row whose link or content does not
 * match is reported. Read-only and in batches: it holds no transaction and no lock.
 */
export async function verifyChain(db: Db): Promise<VerifyResult> {
  let prev = GENESIS;
  let checked = 0;
  for (let last = 0; ;) {
    const after = last;
    const rows = await db.read((em) => em.createQueryBuilder(AuditLog, 'a').where('a.seal_seq > :after', { after })
      .orderBy('a.seal_seq', 'ASC').limit(1000).getMany());
    if (!rows.length) break;
    for (const row of rows) {
      const broken = (reason: string): VerifyResult => ({ ok: false, checked, unsealed: 0, firstBrokenId: Number(row.id), reason });
      // A gap in the positions means a sealed row was removed from the chain (or blanked).
      if (Number(row.sealSeq) !== last + 1) return broken('封存序号不连续，哈希链中的记录被删除或清除');
      if (row.prevHash !== prev) return broken('前一条记录的哈希不一致（记录被删除或替换）');
      if (row.hash === null || rowHash(prev, row) !== row.hash) return broken('记录内容与哈希不符（记录被修改）');
      prev = row.hash;
      last = Number(row.sealSeq);
      checked++;
    }
  }
  const unsealed = await db.read((em) => em.createQueryBuilder(AuditLog, 'a').where('a.hash IS NULL').getCount());
  return { ok: true, checked, unsealed, firstBrokenId: null, reason: null };
}
