import { DEADLINE_RULES, TRANSITIONS, type DeadlineRuleDef } from '@lfxj/contracts';
import { startApp, type TestApp } from './support';
import { DeadlinesService } from '../src/modules/deadlines/deadlines.service';

/**
 * Reference data the code needs ships with the migrations, not only with the seeder that
 * production turns off: a database built by the migrations alone (no seed, as in production)
 * has every deadline rule the process definition starts, so a new rule key without a
 * migration fails here instead of answering 500 in production.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startApp({ SEED_ON_START: 'false' });
});
afterAll(() => t.stop());

const usedKeys = () => [...new Set([
  ...DEADLINE_RULES.map((r) => r.key as string),
  ...Object.values(TRANSITIONS).flatMap((tr) => ('deadline' in tr && tr.deadline ? [tr.deadline as string] : [])),
])].sort();

test('the seeder did not run: no directory, no accounts', async () => {
  expect(Number((await t.sql('SELECT COUNT(*) AS n FROM organisation'))[0].n)).toBe(0);
  expect(Number((await t.sql('SELECT COUNT(*) AS n FROM app_user'))[0].n)).toBe(0);
});

test('every deadline rule key of the process definition is in the database, as the contract defines it', async () => {
  const keys = usedKeys();
  expect(keys.length).toBeGreaterThanOrEqual(14);
  const deadlines = await t.app.getApplicationContext().getAsync(DeadlinesService);
  for (const key of keys) {
    // The lookup a transition makes: it throws (a 500) when the key is missing.
    const rule = await t.db.read((em) => deadlines.current(em, key));
    const def = (DEADLINE_RULES as readonly DeadlineRuleDef[]).find((d) => d.key === key);
    expect(def).toBeDefined();
    expect({
      key: rule.ruleKey, label: rule.label, amount: rule.amount, unit: rule.unit, rolloverOnRestDay: !!rule.rolloverOnRestDay,
      basis: rule.basis, extensions: rule.extensionList(), unverified: !!rule.unverified,
    }).toEqual({
      key: def!.key, label: def!.label, amount: def!.amount, unit: def!.unit, rolloverOnRestDay: def!.rolloverOnRestDay,
      basis: def!.basis, extensions: def!.extensions ?? [], unverified: def!.unverified ?? false,
    });
  }
});
