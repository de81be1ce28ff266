import { startApp, type TestApp } from './support';
import { LeaseService } from '../src/modules/platform/lease.service';
import { Lease } from '../src/modules/platform/entities';

/**
 * Leases of background work on their own (the two-instance test in cron.mysql.test.ts runs them
 * for real): another live holder keeps a lease, an expired one is taken over, the same instance
 * name resumes at once, the heartbeat renews what this instance holds, a shutdown gives it up.
 */
let t: TestApp;
let lease: LeaseService;
const ME = 'lease-test-1';
const TTL = 4_000;

beforeAll(async () => {
  t = await startApp({ INSTANCE_ID: ME, LEASE_TTL_SECONDS: String(TTL / 1000), LEASE_HEARTBEAT_SECONDS: '1' });
  lease = await t.app.getApplicationContext().getAsync(LeaseService);
});
afterAll(() => t.stop());

const put = (name: string, holder: string, expiresAt: Date) => t.db.transaction(async (em) => {
  await em.delete(Lease, { name });
  await em.insert(Lease, { name, holder, expiresAt });
});
const get = (name: string) => t.db.read((em) => em.findOneBy(Lease, { name }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('another live instance keeps its lease; once it has expired this one takes over', async () => {
  await put('job-x', 'other-instance', new Date(t.clock.now().getTime() + 60_000));
  expect(await lease.acquire('job-x')).toBe(false);
  expect(await lease.exclusive('job-x', async () => 'ran')).toBeNull();
  await put('job-x', 'other-instance', new Date(t.clock.now().getTime() - 1));
  expect(await lease.exclusive('job-x', async () => 'ran')).toBe('ran');
  expect((await get('job-x'))?.holder).toBe(ME);
});

test('a lease held under this instance\'s name (a process before a restart) is taken back at once, not after it expires', async () => {
  await put('job-w', ME, new Date(t.clock.now().getTime() + 60_000));
  expect(await lease.acquire('job-w')).toBe(true);
});

test('the heartbeat renews the leases this instance holds, and no other', async () => {
  expect(await lease.acquire('job-y')).toBe(true);
  const first = (await get('job-y'))!.expiresAt;
  await put('job-z', 'other-instance', new Date(t.clock.now().getTime() + 2_000));
  const theirs = (await get('job-z'))!.expiresAt;
  await sleep(TTL + 500); // past the first expiry; a heartbeat every second
  const now = (await get('job-y'))!;
  expect(now.holder).toBe(ME);
  expect(now.expiresAt.getTime()).toBeGreaterThan(first.getTime());
  expect(now.expiresAt.getTime()).toBeGreaterThan(t.clock.now().getTime()); // still alive: nobody can take it
  expect((await get('job-z'))!.expiresAt).toEqual(theirs); // another instance's lease is left to expire
});

test('a tick that comes while the same work still runs is skipped, not run beside it', async () => {
  let runs = 0;
  const slow = lease.exclusive('job-v', async () => {
    runs++;
    await sleep(200);
    return 'first';
  });
  expect(await lease.exclusive('job-v', async () => ++runs)).toBeNull();
  expect(await slow).toBe('first');
  expect(runs).toBe(1);
});

test('shutdown lets running work finish, then gives the leases up; nothing new starts', async () => {
  let finished = false;
  const running = lease.exclusive('job-u', async () => {
    await sleep(300);
    finished = true;
  });
  await sleep(50);
  await lease.shutdown();
  expect(finished).toBe(true);
  await running;
  expect(await t.sql('SELECT name FROM lease WHERE holder = ?', [ME])).toEqual([]);
  expect((await get('job-z'))?.holder).toBe('other-instance');
  expect(await lease.acquire('job-x')).toBe(false);
  expect(await lease.exclusive('job-t', async () => 'ran')).toBeNull();
});
