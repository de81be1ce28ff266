import * as path from 'path';

/** Everything configurable, read from the environment with safe local defaults. */
export interface AppConfig {
  env: string;
  port: number;
  db: {
    type: 'sqlite' | 'mysql';
    sqlitePath: string;
    host: string; port: number; user: string; password: string; database: string;
  };
  jwtSecret: string;
  accessTtlMinutes: number;
  refreshTtlHours: number;
  idleMinutes: number;
  lockThreshold: number;
  lockMinutes: number;
  tempPasswordHours: number;
  passwordHistory: number;
  passwordMinLength: number;
  bcryptRounds: number;
  /** Load the Shenzhen directory, regulations and demo accounts when the database is empty. */
  seedOnStart: boolean;
  seedDemoAccounts: boolean;
  auditSealSeconds: number;
  sms: { driver: 'console' };
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
const bool = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined || value === '' ? fallback : ['1', 'true', 'yes'].includes(value.toLowerCase());

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV || 'local';
  const production = nodeEnv === 'production';
  const dbType = (env.DB_TYPE || 'sqlite').toLowerCase();
  if (dbType !== 'sqlite' && dbType !== 'mysql') throw new Error(`DB_TYPE 只能是 sqlite 或 mysql，当前为 ${dbType}`);
  const config: AppConfig = {
    env: nodeEnv,
    port: num(env.PORT, 7001),
    db: {
      type: dbType,
      sqlitePath: env.DB_PATH || path.resolve(__dirname, '../../../data/lfxj.sqlite'),
      host: env.DB_HOST || '127.0.0.1',
      port: num(env.DB_PORT, 3306),
      user: env.DB_USER || 'root',
      password: env.DB_PASSWORD || '',
      database: env.DB_NAME || 'lfxj',
    },
    jwtSecret: env.JWT_SECRET || DEFAULT_JWT_SECRET,
    accessTtlMinutes: num(env.ACCESS_TTL_MINUTES, 15),
    refreshTtlHours: num(env.REFRESH_TTL_HOURS, 12),
    idleMinutes: num(env.IDLE_MINUTES, 30),
    lockThreshold: num(env.LOCK_THRESHOLD, 5),
    lockMinutes: num(env.LOCK_MINUTES, 15),
    tempPasswordHours: num(env.TEMP_PASSWORD_HOURS, 72),
    passwordHistory: num(env.PASSWORD_HISTORY, 5),
    passwordMinLength: Math.max(8, num(env.PASSWORD_MIN_LENGTH, 8)),
    bcryptRounds: Math.min(14, Math.max(4, num(env.BCRYPT_ROUNDS, 10))),
    seedOnStart: bool(env.SEED_ON_START, !production),
    seedDemoAccounts: bool(env.SEED_DEMO_ACCOUNTS, !production),
    auditSealSeconds: num(env.AUDIT_SEAL_SECONDS, 5),
    sms: { driver: 'console' },
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
  if (config.storage.driver === 'oss' && !(config.storage.oss.bucket && config.storage.oss.accessKeyId && config.storage.oss.accessKeySecret)) {
    throw new Error('STORAGE_DRIVER=oss 时必须设置 OSS_BUCKET、OSS_ACCESS_KEY_ID、OSS_ACCESS_KEY_SECRET');
  }
  // 等保: a production deployment must never run on a secret that is published in the repo.
  if (production && (config.jwtSecret === DEFAULT_JWT_SECRET || config.jwtSecret.length < 32)) {
    throw new Error('生产环境必须通过 JWT_SECRET 设置至少 32 位的随机密钥，拒绝使用默认密钥启动');
  }
  return config;
}
