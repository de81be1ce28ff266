import * as os from 'os';
import * as path from 'path';
import { parseProxyEntry } from '../common/client-ip';

/** Everything configurable, read from the environment with safe local defaults. */
export interface AppConfig {
  env: string;
  /** A developer's machine or a test run: the only places without the production guards. */
  local: boolean;
  port: number;
  db: {
    type: 'sqlite' | 'mysql';
    sqlitePath: string;
    host: string; port: number; user: string; password: string; database: string;
    /**
     * Read replicas (MySQL/MariaDB, same user and database as the primary): only reads an endpoint
     * marks as tolerating lag go there; everything else stays on the primary.
     */
    replicas: Array<{ host: string; port: number }>;
  };
  jwtSecret: string;
  accessTtlMinutes: number;
  refreshTtlHours: number;
  idleMinutes: number;
  /**
   * How long an instance may answer from its own memory who a session is (user, roles, status)
   * without asking the database; 0 asks on every request. Changes made on this instance take
   * effect at once; on other instances a revoked session or a changed user lasts at most this long.
   */
  authCacheSeconds: number;
  /**
   * Login failures (等保 GB/T 22239-2019 8.1.4.1 b, 登录失败处理): counted per account name, known or
   * not, and per client address; growing delays, then a hard lock of the account name.
   */
  loginThrottle: {
    /** Failures of one account name before delays start. */
    freeFailures: number;
    /** Failures from one client address before delays start (an office's NAT address is shared). */
    freeFailuresPerAddress: number;
    /** The first delay; it doubles with each further failure, up to maxDelaySeconds. */
    delaySeconds: number;
    maxDelaySeconds: number;
    /** Failures of an account name are counted within this window, from its first failure. */
    windowMinutes: number;
    /** The same for a client address. */
    addressWindowMinutes: number;
    /** Failures of one account name within the window that lock it (the holder is told by SMS). */
    lockThreshold: number;
    lockMinutes: number;
  };
  /** Load balancers and reverse proxies whose X-Forwarded-For hops are believed (addresses or CIDR). */
  trustedProxies: string[];
  tempPasswordHours: number;
  passwordHistory: number;
  passwordMinLength: number;
  bcryptRounds: number;
  /** Load the Shenzhen directory, regulations and demo accounts when the database is empty. */
  seedOnStart: boolean;
  seedDemoAccounts: boolean;
  auditSealSeconds: number;
  /**
   * This instance's stable name (leases and outbox claims): a restarted process with the same
   * name takes its leases back at once; two live instances must never share one.
   */
  instanceId: string;
  /** Background-work leases: held for `ttlSeconds` and renewed every `heartbeatSeconds` while the instance lives. */
  lease: { ttlSeconds: number; heartbeatSeconds: number };
  sms: {
    driver: 'console' | 'aliyun';
    signName: string;
    aliyun: { accessKeyId: string; accessKeySecret: string; endpoint?: string; protocol: 'https' | 'http' };
    /**
     * How long a claimed message may take to go out before it is in doubt (then checked with the
     * provider, never re-sent blind). The provider call's timeout is a quarter of it (at most 10 s).
     */
    claimSeconds: number;
  };
  reminders: {
    /** Due-soon points: hours before the deadline, and fractions of the whole window. */
    dueSoonHours: number[];
    dueSoonFractions: number[];
    /** Quiet hours in Asia/Shanghai, e.g. 22 → 8: SMS waits until morning; in-app is immediate. */
    quietFromHour: number;
    quietToHour: number;
    dailyCap: number;
    maxAttempts: number;
    backoffSeconds: number;
    templates: Record<'new_task' | 'due_soon' | 'overdue' | 'escalation' | 'digest' | 'test' | 'account', string>;
    enabled: boolean;
    /** How often the deadline scan and the sender run, and how many tasks one scan transaction handles. */
    scanSeconds: number;
    sendSeconds: number;
    scanPageSize: number;
  };
  /** A background job (reminder scan, sender) that has not completed a pass for this many of its intervals is reported as stale. */
  jobStaleIntervals: number;
  storage: {
    driver: 'local' | 'oss';
    localDir: string;
    maxFileMb: number;
    maxFilesPerUpload: number;
    oss: { region: string; bucket: string; accessKeyId: string; accessKeySecret: string; endpoint?: string; prefix?: string; secure: boolean };
  };
}

export const DEFAULT_JWT_SECRET = 'local-development-secret-change-me';

const num = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`环境变量取值不是数字：${value}`);
  return n;
};
const list = (value: string | undefined, fallback: number[]): number[] =>
  value === undefined || value === '' ? fallback : value.split(',').map((v) => num(v.trim(), NaN));
const bool = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined || value === '' ? fallback : ['1', 'true', 'yes'].includes(value.toLowerCase());

/**
 * A cron expression (with seconds) for "every n seconds". Only periods that divide a minute or
 * an hour evenly, so every tick is the same distance from the last.
 */
export function everySeconds(n: number): string {
  if (Number.isInteger(n) && n > 0 && n < 60 && 60 % n === 0) return `*/${n} * * * * *`;
  if (Number.isInteger(n) && n >= 60 && n % 60 === 0 && 3600 % n === 0) return n === 60 ? '0 * * * * *' : `0 */${n / 60} * * * *`;
  throw new Error(`定时任务的间隔须能整除 60 秒或 60 分钟（如 1、5、10、30、60、300），当前为 ${n}`);
}

/** The cron schedules, read when the job classes load (decorators take constants). */
export function jobSchedules(env: NodeJS.ProcessEnv = process.env): { scan: string; send: string; seal: string } {
  const seal = num(env.AUDIT_SEAL_SECONDS, 5);
  return {
    scan: everySeconds(num(env.REMINDER_SCAN_SECONDS, 60)),
    send: everySeconds(num(env.REMINDER_SEND_SECONDS, 10)),
    // 0 turns the sealer off; the job then ticks every 5 s doing nothing.
    seal: everySeconds(seal > 0 ? seal : 5),
  };
}
/** NODE_ENV values of a developer's machine and of test runs; every other value is a deployment. */
export const LOCAL_ENVS = ['local', 'development', 'test', 'unittest'];
const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'];

const proxies = (value: string | undefined): string[] => {
  if (value === undefined || !value.trim()) return [];
  return value.split(',').map((entry) => {
    if (!parseProxyEntry(entry)) throw new Error(`TRUSTED_PROXIES 中的“${entry.trim()}”不是 IP 地址或网段（CIDR），例如 10.0.0.0/8`);
    return entry.trim();
  });
};

/** `DB_REPLICA_HOSTS=10.0.0.2:3306,10.0.0.3` (the port defaults to DB_PORT). */
function replicaHosts(value: string | undefined, defaultPort: number): Array<{ host: string; port: number }> {
  if (value === undefined || !value.trim()) return [];
  return value.split(',').map((entry) => {
    const m = /^\s*([\w.-]+|\[[\da-f:]+\])(?::(\d{1,5}))?\s*$/i.exec(entry);
    if (!m) throw new Error(`DB_REPLICA_HOSTS 中的“${entry.trim()}”不是“主机:端口”，例如 10.0.0.2:3306`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const given = (env.NODE_ENV ?? '').trim().toLowerCase();
  // No NODE_ENV: `npm start` on a developer's machine, unless it listens beyond loopback.
  const local = given ? LOCAL_ENVS.includes(given) : LOOPBACK_HOSTS.includes(env.HOST || '127.0.0.1');
  const nodeEnv = given || (local ? 'local' : 'production');
  const production = !local;
  const dbType = (env.DB_TYPE || 'sqlite').toLowerCase();
  if (dbType !== 'sqlite' && dbType !== 'mysql') throw new Error(`DB_TYPE 只能是 sqlite 或 mysql，当前为 ${dbType}`);
  const config: AppConfig = {
    env: nodeEnv,
    local,
    port: num(env.PORT, 7001),
    db: {
      type: dbType,
      sqlitePath: env.DB_PATH || path.resolve(__dirname, '../../../data/lfxj.sqlite'),
      host: env.DB_HOST || '127.0.0.1',
      port: num(env.DB_PORT, 3306),
      user: env.DB_USER || 'root',
      password: env.DB_PASSWORD || '',
      database: env.DB_NAME || 'lfxj',
      replicas: replicaHosts(env.DB_REPLICA_HOSTS, num(env.DB_PORT, 3306)),
    },
    jwtSecret: env.JWT_SECRET || DEFAULT_JWT_SECRET,
    accessTtlMinutes: num(env.ACCESS_TTL_MINUTES, 15),
    refreshTtlHours: num(env.REFRESH_TTL_HOURS, 12),
    idleMinutes: num(env.IDLE_MINUTES, 30),
    authCacheSeconds: num(env.AUTH_CACHE_SECONDS, 5),
    loginThrottle: {
      freeFailures: num(env.LOGIN_FREE_FAILURES, 3),
      freeFailuresPerAddress: num(env.LOGIN_FREE_FAILURES_PER_ADDRESS, 20),
      delaySeconds: Math.max(1, num(env.LOGIN_DELAY_SECONDS, 2)),
      maxDelaySeconds: num(env.LOGIN_DELAY_MAX_SECONDS, 900),
      windowMinutes: num(env.LOGIN_WINDOW_MINUTES, 1440),
      addressWindowMinutes: num(env.LOGIN_ADDRESS_WINDOW_MINUTES, 60),
      lockThreshold: num(env.LOCK_THRESHOLD, 15),
      lockMinutes: num(env.LOCK_MINUTES, 60),
    },
    trustedProxies: proxies(env.TRUSTED_PROXIES),
    tempPasswordHours: num(env.TEMP_PASSWORD_HOURS, 72),
    passwordHistory: num(env.PASSWORD_HISTORY, 5),
    passwordMinLength: Math.max(8, num(env.PASSWORD_MIN_LENGTH, 8)),
    bcryptRounds: Math.min(14, Math.max(4, num(env.BCRYPT_ROUNDS, 10))),
    seedOnStart: bool(env.SEED_ON_START, !production),
    seedDemoAccounts: bool(env.SEED_DEMO_ACCOUNTS, !production),
    auditSealSeconds: num(env.AUDIT_SEAL_SECONDS, 5),
    instanceId: (env.INSTANCE_ID || `${os.hostname()}:${num(env.PORT, 7001)}`).slice(0, 48),
    lease: { ttlSeconds: num(env.LEASE_TTL_SECONDS, 30), heartbeatSeconds: num(env.LEASE_HEARTBEAT_SECONDS, 10) },
    sms: {
      driver: env.SMS_DRIVER === 'aliyun' ? 'aliyun' : 'console',
      signName: env.SMS_SIGN_NAME || '两法衔接平台',
      aliyun: {
        accessKeyId: env.SMS_ACCESS_KEY_ID || '', accessKeySecret: env.SMS_ACCESS_KEY_SECRET || '',
        endpoint: env.SMS_ENDPOINT || undefined, protocol: env.SMS_PROTOCOL === 'http' ? 'http' : 'https',
      },
      claimSeconds: num(env.SMS_CLAIM_SECONDS, 120),
    },
    reminders: {
      dueSoonHours: list(env.REMINDER_DUE_SOON_HOURS, [24]),
      dueSoonFractions: list(env.REMINDER_DUE_SOON_FRACTIONS, [0.75]),
      quietFromHour: num(env.REMINDER_QUIET_FROM, 22),
      quietToHour: num(env.REMINDER_QUIET_TO, 8),
      dailyCap: num(env.REMINDER_DAILY_CAP, 10),
      maxAttempts: num(env.REMINDER_MAX_ATTEMPTS, 8),
      backoffSeconds: num(env.REMINDER_BACKOFF_SECONDS, 30),
      templates: {
        new_task: env.SMS_TEMPLATE_NEW_TASK || 'SMS_LFXJ_NEW_TASK', due_soon: env.SMS_TEMPLATE_DUE_SOON || 'SMS_LFXJ_DUE_SOON',
        overdue: env.SMS_TEMPLATE_OVERDUE || 'SMS_LFXJ_OVERDUE', escalation: env.SMS_TEMPLATE_ESCALATION || 'SMS_LFXJ_ESCALATION',
        digest: env.SMS_TEMPLATE_DIGEST || 'SMS_LFXJ_DIGEST', test: env.SMS_TEMPLATE_TEST || 'SMS_LFXJ_TEST',
        account: env.SMS_TEMPLATE_ACCOUNT || 'SMS_LFXJ_ACCOUNT',
      },
      enabled: bool(env.REMINDERS_ENABLED, true),
      scanSeconds: num(env.REMINDER_SCAN_SECONDS, 60),
      sendSeconds: num(env.REMINDER_SEND_SECONDS, 10),
      // One page is one short transaction: a few thousand tasks at most, whatever the backlog.
      scanPageSize: Math.max(1, Math.min(5000, num(env.REMINDER_SCAN_PAGE, 2000))),
    },
    jobStaleIntervals: Math.max(2, num(env.JOB_STALE_INTERVALS, 5)),
    storage: {
      driver: (env.STORAGE_DRIVER || 'local') === 'oss' ? 'oss' : 'local',
      localDir: env.STORAGE_DIR || path.resolve(__dirname, '../../../data/files'),
      maxFileMb: num(env.UPLOAD_MAX_MB, 50),
      maxFilesPerUpload: num(env.UPLOAD_MAX_FILES, 20),
      oss: {
        region: env.OSS_REGION || '', bucket: env.OSS_BUCKET || '', accessKeyId: env.OSS_ACCESS_KEY_ID || '',
        accessKeySecret: env.OSS_ACCESS_KEY_SECRET || '', endpoint: env.OSS_ENDPOINT || undefined, prefix: env.OSS_PREFIX || undefined,
        secure: env.OSS_SECURE !== 'false',
      },
    },
  };
  if (config.sms.driver === 'aliyun' && !(config.sms.aliyun.accessKeyId && config.sms.aliyun.accessKeySecret)) {
    throw new Error('SMS_DRIVER=aliyun 时必须设置 SMS_ACCESS_KEY_ID、SMS_ACCESS_KEY_SECRET 以及各类提醒的短信模板');
  }
  if (config.storage.driver === 'oss' && !(config.storage.oss.bucket && config.storage.oss.accessKeyId && config.storage.oss.accessKeySecret)) {
    throw new Error('STORAGE_DRIVER=oss 时必须设置 OSS_BUCKET、OSS_ACCESS_KEY_ID、OSS_ACCESS_KEY_SECRET');
  }
  if (config.db.replicas.length && config.db.type !== 'mysql') {
    throw new Error('DB_REPLICA_HOSTS（只读副本）只适用于 DB_TYPE=mysql；SQLite 没有副本');
  }
  const { ttlSeconds, heartbeatSeconds } = config.lease;
  if (!(ttlSeconds > 0 && heartbeatSeconds > 0 && heartbeatSeconds * 2 <= ttlSeconds)) {
    throw new Error(`LEASE_HEARTBEAT_SECONDS（${heartbeatSeconds}）须大于 0 且不超过 LEASE_TTL_SECONDS（${ttlSeconds}）的一半，租约才能在到期前续上`);
  }
  if (!/^[\w.:@-]+$/.test(config.instanceId)) throw new Error(`INSTANCE_ID 只能包含字母、数字和 . : @ - _：${config.instanceId}`);
  // A revocation must reach every instance within seconds, not minutes.
  if (!(config.authCacheSeconds >= 0 && config.authCacheSeconds <= 60)) {
    throw new Error(`AUTH_CACHE_SECONDS 须在 0 到 60 秒之间（0 为不缓存），当前为 ${config.authCacheSeconds}`);
  }
  if (!(config.sms.claimSeconds >= 2)) throw new Error(`SMS_CLAIM_SECONDS 至少为 2 秒，当前为 ${config.sms.claimSeconds}`);
  jobSchedules(env);
  const throttle = config.loginThrottle;
  if (throttle.lockThreshold <= throttle.freeFailures) {
    throw new Error(`LOCK_THRESHOLD（${throttle.lockThreshold}）必须大于 LOGIN_FREE_FAILURES（${throttle.freeFailures}）：先延迟，持续失败才锁定`);
  }
  if (throttle.maxDelaySeconds < throttle.delaySeconds) throw new Error('LOGIN_DELAY_MAX_SECONDS 不能小于 LOGIN_DELAY_SECONDS');
  // 等保: a deployment (anything but a developer's machine or a test run) never runs on a secret
  // published in the repo, nor with demo accounts whose passwords went to a console.
  if (production && (config.jwtSecret === DEFAULT_JWT_SECRET || config.jwtSecret.length < 32)) {
    throw new Error(`非本地环境（NODE_ENV=${nodeEnv}）必须通过 JWT_SECRET 设置至少 32 位的随机密钥，拒绝使用默认密钥启动`);
  }
  if (production && config.seedDemoAccounts) {
    throw new Error(`非本地环境（NODE_ENV=${nodeEnv}）不得创建演示账号：请去掉 SEED_DEMO_ACCOUNTS`);
  }
  return config;
}
