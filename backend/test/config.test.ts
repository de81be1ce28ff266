import * as os from 'os';
import { loadConfig, everySeconds, DEFAULT_JWT_SECRET } from '../src/config/env';

describe('configuration', () => {
  test('local defaults: embedded SQLite under ./data, 15-minute tokens', () => {
    const cfg = loadConfig({});
    expect(cfg.db.type).toBe('sqlite');
    expect(cfg.db.sqlitePath).toMatch(/data[\\/]lfxj\.sqlite$/);
    expect(cfg).toMatchObject({ accessTtlMinutes: 15, tempPasswordHours: 72, passwordHistory: 5 });
    expect(cfg.seedDemoAccounts).toBe(true);
  });

  test('production refuses to start with the default or a short JWT secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEFAULT_JWT_SECRET })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    const cfg = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(48) });
    expect(cfg.seedDemoAccounts).toBe(false);
  });

  const SECRET = 'k'.repeat(48);

  test('every environment but local development and tests gets the production guards', () => {
    for (const NODE_ENV of ['production', 'prod', 'Production', 'PRODUCTION', 'staging', 'uat', 'release', ' production']) {
      expect(() => loadConfig({ NODE_ENV })).toThrow(/JWT_SECRET/);
      expect(() => loadConfig({ NODE_ENV, JWT_SECRET: DEFAULT_JWT_SECRET })).toThrow(/JWT_SECRET/);
      const cfg = loadConfig({ NODE_ENV, JWT_SECRET: SECRET });
      expect(cfg).toMatchObject({ seedDemoAccounts: false, seedOnStart: false, local: false });
      // Demo accounts cannot be switched on outside a developer's machine.
      expect(() => loadConfig({ NODE_ENV, JWT_SECRET: SECRET, SEED_DEMO_ACCOUNTS: 'true' })).toThrow(/演示账号/);
      // The directory seed may still be loaded on purpose.
      expect(loadConfig({ NODE_ENV, JWT_SECRET: SECRET, SEED_ON_START: 'true' }).seedOnStart).toBe(true);
    }
  });

  test('local development and tests keep the local defaults', () => {
    for (const NODE_ENV of ['local', 'development', 'test', 'unittest', undefined]) {
      const cfg = loadConfig({ NODE_ENV });
      expect(cfg).toMatchObject({ jwtSecret: DEFAULT_JWT_SECRET, seedDemoAccounts: true, seedOnStart: true, local: true });
    }
  });

  test('without NODE_ENV, an instance listening beyond loopback is a deployment', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).local).toBe(true);
    expect(loadConfig({ HOST: '::1' }).local).toBe(true);
    expect(loadConfig({ HOST: 'localhost' }).local).toBe(true);
    for (const HOST of ['0.0.0.0', '::', '10.1.2.3']) {
      expect(() => loadConfig({ HOST })).toThrow(/JWT_SECRET/);
      expect(loadConfig({ HOST, JWT_SECRET: SECRET }).seedDemoAccounts).toBe(false);
    }
    // Saying so explicitly is the developer's choice (a demo on the office network).
    expect(loadConfig({ HOST: '0.0.0.0', NODE_ENV: 'local' }).local).toBe(true);
  });

  test('trusted proxies: addresses and CIDR ranges, IPv4 and IPv6; anything else is refused', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.10 ,fd00::/8,::1 ' }).trustedProxies)
      .toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1']);
    for (const bad of ['10.0.0.0/33', 'proxy.example.com', '10.0.0', 'fd00::/129', '*', '10.0.0.0/8,,']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    }
  });

  test('login throttling settings, with their defaults', () => {
    expect(loadConfig({}).loginThrottle).toEqual({
      freeFailures: 3, freeFailuresPerAddress: 20, delaySeconds: 2, maxDelaySeconds: 900, windowMinutes: 1440, addressWindowMinutes: 60,
      lockThreshold: 15, lockMinutes: 60,
    });
    expect(() => loadConfig({ LOCK_THRESHOLD: '2' })).toThrow(/LOCK_THRESHOLD/);
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
    expect(cfg.reminders).toMatchObject({ scanSeconds: 60, sendSeconds: 10, scanPageSize: 2000 });
    expect(cfg.jobStaleIntervals).toBe(5);
    expect(cfg.sms.claimSeconds).toBe(120);
  });
});
