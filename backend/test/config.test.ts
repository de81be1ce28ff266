import * as os from 'os';
import { loadConfig, everySeconds, DEFAULT_JWT_SECRET } from '../src/config/env';

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

  test('background work: a stable instance name, short leases with a heartbeat, cron intervals that divide a minute or an hour', () => {
    const cfg = loadConfig({ PORT: '7002' });
    expect(cfg.instanceId).toBe(`${os.hostname()}:7002`.slice(0, 48));
    expect(cfg.lease).toEqual({ ttlSeconds: 30, heartbeatSeconds: 10 });
    expect(loadConfig({ INSTANCE_ID: 'node-a' }).instanceId).toBe('node-a');
    expect(() => loadConfig({ INSTANCE_ID: 'node a#1' })).toThrow(/INSTANCE_ID/);
    expect(() => loadConfig({ LEASE_TTL_SECONDS: '10', LEASE_HEARTBEAT_SECONDS: '6' })).toThrow(/LEASE_HEARTBEAT_SECONDS/);
    expect(() => loadConfig({ REMINDER_SCAN_SECONDS: '7' })).toThrow(/整除/);
    expect([everySeconds(1), everySeconds(10), everySeconds(60), everySeconds(300)]).toEqual(['*/1 * * * * *', '*/10 * * * * *', '0 * * * * *', '0 */5 * * * *']);
    expect(cfg.reminders).toMatchObject({ scanSeconds: 60, sendSeconds: 10, scanPageSize: 500 });
    expect(cfg.sms.claimSeconds).toBe(120);
  });
});
