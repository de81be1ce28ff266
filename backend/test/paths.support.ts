import { TRANSITIONS, INITIAL_STATE, URGE_KINDS, type TransitionKey, type TransitionDef, type StateKey, type Role, type TokenPair } from '@lfxj/contracts';
import { startApp, type TestApp } from './support';
import { caseClient } from './cases.support';

/**
 * Every edge of the process definition (each transition from each state it allows), taken over
 * the API: for each one a fresh case is walked along the shortest path from the start to that
 * state, then the transition itself is performed by a user of the right role and organisation.
 *
 * The edges are split over several test files (`part` of `of`), so jest runs them in parallel.
 */
export function edgeTests(part: number, of: number): void {
  let t: TestApp;
  let c: ReturnType<typeof caseClient>;
  const tokens = new Map<Role, TokenPair>();
  let nanshanPolice = 0;

  beforeAll(async () => {
    t = await startApp();
    c = caseClient(t);
    const people: Array<[string, string, Role]> = [
      ['p.agency', 'SZ-FT-SCJG', 'agency_officer'], ['p.agency.head', 'SZ-FT-SCJG', 'agency_head'],
      ['p.police', 'SZ-FT-GA', 'police_officer'], ['p.police.head', 'SZ-FT-GA', 'police_head'], ['p.jcy', 'SZ-FT-JCY', 'procurator'],
    ];
    for (const [username, org, role] of people) {
      await t.user(username, org, [role]);
      tokens.set(role, await t.login(username));
    }
    nanshanPolice = (await t.org('SZ-NS-GA')).id;
  });
  afterAll(() => t.stop());

  const ALL = Object.keys(TRANSITIONS) as TransitionKey[];

  /** Shortest sequence of state-changing transitions from the start to `target`. */
  function pathTo(target: StateKey): TransitionKey[] {
    const prev = new Map<StateKey, { from: StateKey; via: TransitionKey } | null>([[INITIAL_STATE, null]]);
    const queue: StateKey[] = [INITIAL_STATE];
    while (queue.length) {
      const s = queue.shift()!;
      if (s === target) break;
      for (const key of ALL) {
        const def: TransitionDef = TRANSITIONS[key];
        // Passing the case to another police body would change who acts next; keep paths simple.
        if (!def.from.includes(s) || def.to === 'same' || def.effects?.includes('assign_chosen_police')) continue;
        if (!prev.has(def.to)) {
          prev.set(def.to, { from: s, via: key });
          queue.push(def.to);
        }
      }
    }
    const path: TransitionKey[] = [];
    for (let s = target; prev.get(s); s = prev.get(s)!.from) path.unshift(prev.get(s)!.via);
    return path;
  }

  async function perform(caseId: number, key: TransitionKey) {
    const def: TransitionDef = TRANSITIONS[key];
    const role = def.roles.find((r) => tokens.has(r))!;
    const extra: Record<string, unknown> = { reason: '依法办理', urgeKind: URGE_KINDS[3] };
    if (def.needs?.includes('policeOrgId')) extra.policeOrgId = nanshanPolice;
    return c.step(tokens.get(role)!, caseId, key, (def.requires ?? []).map((r) => r.type), extra);
  }

  /** Every edge of the definition: each transition from each state it may be taken in. */
  const EDGES: Array<[TransitionKey, StateKey]> = ALL.flatMap((key) => (TRANSITIONS[key] as TransitionDef).from.map((from) => [key, from] as [TransitionKey, StateKey]));

  test('the edges cover the whole definition, and each part takes its share', () => {
    expect(EDGES.length).toBe(ALL.reduce((n, key) => n + (TRANSITIONS[key] as TransitionDef).from.length, 0));
    expect(new Set(EDGES.map(([key]) => key)).size).toBe(ALL.length);
    expect(MINE.length).toBeGreaterThan(0);
  });

  const MINE = EDGES.filter((_, i) => i % of === part - 1);
  test.each(MINE)('%s from %s can be taken over the API', async (key, start) => {
    const def: TransitionDef = TRANSITIONS[key];
    const created = await c.create(tokens.get('agency_officer')!, `PATH-${key}-${start}`);
    for (const step of pathTo(start)) await perform(created.id, step);
    const before = (await c.get(tokens.get('agency_officer')!, created.id)).body;
    expect(before.state).toBe(start);
    const after = await perform(created.id, key);
    expect(after.state).toBe(def.to === 'same' ? start : def.to);
    expect(after.timeline[after.timeline.length - 1].transition).toBe(key);
    // The timeline has no gaps, and whoever must act next has exactly one open task, unless the case is closed.
    expect(after.timeline.map((e: { seq: number }) => e.seq)).toEqual(after.timeline.map((_: unknown, i: number) => i + 1));
    const open = after.tasks.filter((x: { status: string; title: string }) => x.status === 'open' && !x.title.includes('线索'));
    expect(open.length).toBe(after.state === 'closed' ? 0 : 1);
  });

}
