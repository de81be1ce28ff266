import { loadConfig, DEFAULT_JWT_SECRET } from '../src/config/env';

describe('configuration', () => {
  test('local defaults: embedded SQLite under ./data, 15-minute tokens, 5 failures lock for 15 minutes', () => {
    const cfg = loadConfig({});
    expect(cfg.db.type).toBe('sqlite');
    expect(cfg.db.sqlitePath).toMatch(/data[\\/]lfxj\.sqlite$/);
    expect(cfg).toMatchObject({ accessTtlMinutes: 15, lockThreshold: 5, lockMinutes: 15, tempPasswordHours: 72, passwordHistory: 5 });
    expect(cfg.seedDemoAccounts).toBe(true);
  });

  test('production refuses to start with the default or a short JWT secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEFAULT_JWT_SECRET })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    const cfg = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(48) });
    expect(cfg.seedDemoAccounts).toBe(false);
  });

  test('bad settings are refused with a Chinese message', () => {
    expect(() => loadConfig({ DB_TYPE: 'oracle' })).toThrow(/DB_TYPE/);
    expect(() => loadConfig({ LOCK_MINUTES: 'abc' })).toThrow(/不是数字/);
  });
});
