import { AppError } from './app-error';

/** What a database error means for the request that met it. */
export type DbErrorKind = 'retry' | 'unavailable' | 'duplicate' | 'other';

interface DriverFields {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
  driverError?: unknown;
}

/** MySQL / MariaDB: lost a deadlock, waited too long for a lock, or a snapshot conflict (MariaDB). */
const RETRY_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CHECKREAD', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
const RETRY_ERRNOS = new Set([1213, 1205, 1020]);
/** The server is down, restarting, out of connections, or the connection broke. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED', 'CR_SERVER_GONE_ERROR', 'CR_SERVER_LOST', 'ER_TOO_MANY_USER_CONNECTIONS',
  'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY_DBMOVED',
  // With read replicas (a pool cluster): every server of the kind asked for is resting after failures.
  'POOL_NONEONLINE', 'POOL_NOEXIST',
]);
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1317, 2002, 2003, 2006, 2013, 1203]);
const DUPLICATE_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

function fields(err: unknown): DriverFields {
  return typeof err === 'object' && err !== null ? (err as DriverFields) : {};
}

export function classifyDbError(err: unknown): DbErrorKind {
  const e = fields(err);
  const inner = fields(e.driverError);
  const code = typeof e.code === 'string' ? e.code : typeof inner.code === 'string' ? inner.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : typeof inner.errno === 'number' ? inner.errno : -1;
  const message = typeof e.message === 'string' ? e.message : '';
  if (RETRY_CODES.has(code) || RETRY_ERRNOS.has(errno)) return 'retry';
  if (DUPLICATE_CODES.has(code) || errno === 1062) return 'duplicate';
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_ERRNOS.has(errno) || e.fatal === true || inner.fatal === true) return 'unavailable';
  // mysql2 after its socket closed, and the pool after it was ended, say so only in words.
  if (/connection is in closed state|Pool is closed|Connection lost|connect ETIMEDOUT/i.test(message)) return 'unavailable';
  return 'other';
}

/**
 * Unique keys that users can run into, named as the field they typed. The check before an
 * insert gives the same message; this catches the race where two requests pass the check at once.
 */
const UNIQUE_FIELDS: Array<{ index: string; columns: string; field: string; label: string; problem: string }> = [
  { index: 'uq_case_record_agency_no', columns: 'case_record.agency_org_id, case_record.agency_case_no', field: 'agencyCaseNo', label: '执法机关案件编号', problem: '本单位已登记过' },
  { index: 'uq_app_user_username', columns: 'app_user.username', field: 'username', label: '用户名', problem: '已被使用' },
  { index: 'uq_organisation_code', columns: 'organisation.code', field: 'code', label: '单位编码', problem: '已被使用' },
];

/** A duplicate key as a 409 naming the field where we know it, never as a 500. */
export function conflictFor(err: unknown): AppError {
  const message = String(fields(err).message ?? '');
  const known = UNIQUE_FIELDS.find((u) => message.includes(`${u.index}'`) || message.includes(u.columns));
  if (known) return AppError.field(known.field, known.label, known.problem, 'CONFLICT');
  return new AppError('CONFLICT', '记录已存在（与已有数据重复），请刷新后重试');
}
