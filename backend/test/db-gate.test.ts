import { startApp, TEST_DB, type TestApp } from './support';
import { Lease } from '../src/modules/platform/entities';
import { CaseRecord } from '../src/modules/cases/entities';
import { AppError } from '../src/common/app-error';

/**
 * The one database gate: reads never see uncommitted rows, a failing transaction never takes
 * another one's committed work with it, deadlocks are retried, duplicates answer 409.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a read does not see what an open transaction wrote', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let inserted!: () => void;
  const wrote = new Promise<void>((r) => (inserted = r));
  const tx = t.db.transaction(async (em) => {
    await em.insert(Lease, { name: 'uncommitted', holder: 'a', expiresAt: new Date() });
    inserted();
    await held;
    throw new Error('roll back');
  });
  await wrote;
  expect(await t.db.read((em) => em.findOneBy(Lease, { name: 'uncommitted' }))).toBeNull();
  release();
  await expect(tx).rejects.toThrow('roll back');
  expect(await t.db.read((em) => em.findOneBy(Lease, { name: 'uncommitted' }))).toBeNull();
});

test('a transaction that fails does not undo one that committed while it was open', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const failing = t.db.transaction(async (em) => {
    await em.insert(Lease, { name: 'outer', holder: 'a', expiresAt: new Date() });
    await held;
    throw new Error('outer fails');
  });
  // On one SQLite connection this would nest as a SAVEPOINT inside `failing` and die with it.
  const committed = t.db.transaction((em) => em.insert(Lease, { name: 'inner', holder: 'b', expiresAt: new Date() }));
  await sleep(50);
  release();
  await expect(failing).rejects.toThrow('outer fails');
  await committed;
  expect(await t.db.read((em) => em.findOneBy(Lease, { name: 'inner' }))).not.toBeNull();
  expect(await t.db.read((em) => em.findOneBy(Lease, { name: 'outer' }))).toBeNull();
});

test('work after commit runs once the transaction committed, never after a rollback', async () => {
  const ran: string[] = [];
  await t.db.transaction(async (em) => {
    t.db.afterCommit(em, () => ran.push('committed'));
  });
  await expect(t.db.transaction(async (em) => {
    t.db.afterCommit(em, () => ran.push('rolled back'));
    throw new Error('no');
  })).rejects.toThrow('no');
  expect(ran).toEqual(['committed']);
});

test('a duplicate key answers 409, not 500', async () => {
  await t.db.transaction((em) => em.insert(Lease, { name: 'dup', holder: 'a', expiresAt: new Date() }));
  const err = await t.db.transaction((em) => em.insert(Lease, { name: 'dup', holder: 'b', expiresAt: new Date() })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(409);
});

test('created_at and updated_at come from the app clock, not the database', async () => {
  const at = new Date('2031-05-04T03:02:01.000Z');
  t.clock.set(at);
  try {
    const id = await t.db.transaction(async (em) => {
      const row = await em.save(em.create(CaseRecord, {
        platformNo: 'CLOCK-1', agencyCaseNo: 'CLOCK-1', title: '时钟', kind: 'transfer', state: 'draft', agencyOrgId: 1, regionId: 1,
        policeOrgId: null, procuratorateOrgId: null, supervisoryOrgId: null, suspectedOffence: null, amountInvolved: null, facts: null,
        penaltyInfo: null, createdBy: 1, closedAt: null,
      }));
      return row.id;
    });
    const row = await t.db.read((em) => em.findOneByOrFail(CaseRecord, { id }));
    expect(Math.abs(row.createdAt.getTime() - at.getTime())).toBeLessThan(5000);
    t.clock.set(new Date('2031-06-01T00:00:00.000Z'));
    await t.db.transaction((em) => em.update(CaseRecord, { id }, { title: '时钟（改）' }));
    const later = await t.db.read((em) => em.findOneByOrFail(CaseRecord, { id }));
    expect(later.updatedAt.toISOString().slice(0, 10)).toBe('2031-06-01');
    expect(later.createdAt.toISOString().slice(0, 10)).toBe('2031-05-04');
  } finally {
    t.clock.reset();
  }
});

(TEST_DB === 'mysql' ? test : test.skip)('two transactions that deadlock both complete: the loser is retried', async () => {
  await t.db.transaction(async (em) => {
    await em.insert(Lease, [{ name: 'dl-a', holder: 'x', expiresAt: new Date() }, { name: 'dl-b', holder: 'x', expiresAt: new Date() }]);
  });
  let attempts = 0;
  // Each takes one row, waits for the other to take its row, then wants the other's: a deadlock.
  let aLocked!: () => void;
  let bLocked!: () => void;
  const aHas = new Promise<void>((r) => (aLocked = r));
  const bHas = new Promise<void>((r) => (bLocked = r));
  const first = t.db.transaction(async (em) => {
    attempts++;
    await em.update(Lease, { name: 'dl-a' }, { holder: 'first' });
    aLocked();
    await bHas;
    await em.update(Lease, { name: 'dl-b' }, { holder: 'first' });
  });
  const second = t.db.transaction(async (em) => {
    attempts++;
    await em.update(Lease, { name: 'dl-b' }, { holder: 'second' });
    bLocked();
    await aHas;
    await em.update(Lease, { name: 'dl-a' }, { holder: 'second' });
  });
  await Promise.all([first, second]);
  expect(attempts).toBeGreaterThanOrEqual(3);
  const holders = await t.db.read((em) => em.find(Lease, { where: [{ name: 'dl-a' }, { name: 'dl-b' }] }));
  // Whoever committed last wrote both rows: each transaction applied as a whole.
  expect(new Set(holders.map((h) => h.holder)).size).toBe(1);
});

(TEST_DB === 'mysql' ? test : test.skip)('every write transaction runs at READ COMMITTED, also on a pooled connection used before', async () => {
  // More transactions than the pool has connections, some at once: each connection is set once and reused.
  const levels = await Promise.all(Array.from({ length: 25 }, () => t.db.transaction(async (em) => {
    const [row] = await em.query('SELECT @@session.tx_isolation AS level') as Array<{ level: string }>;
    return row.level;
  })));
  expect(new Set(levels)).toEqual(new Set(['READ-COMMITTED']));
});
