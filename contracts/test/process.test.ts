import {
  STATES, TRANSITIONS, INITIAL_STATE, DEADLINE_RULES, DOC_TYPES, availableTransitions,
  type StateKey, type TransitionDef, type StateDef,
} from '../src';

const states = Object.keys(STATES) as StateKey[];
const transitions = Object.entries(TRANSITIONS) as Array<[string, TransitionDef]>;
const moves = (from: StateKey): StateKey[] =>
  transitions.filter(([, t]) => t.from.includes(from)).map(([, t]) => (t.to === 'same' ? from : t.to));

function reachable(start: StateKey, next: (s: StateKey) => StateKey[]): Set<StateKey> {
  const seen = new Set<StateKey>([start]);
  const queue = [start];
  while (queue.length) for (const n of next(queue.shift()!)) if (!seen.has(n)) { seen.add(n); queue.push(n); }
  return seen;
}

describe('the process definition', () => {
  test('every open state names who acts next and has a way forward; the end state has neither', () => {
    for (const key of states) {
      const s: StateDef = STATES[key];
      if (s.terminal) {
        expect({ key, receiver: s.receiver }).toEqual({ key, receiver: null });
        expect(transitions.filter(([, t]) => t.from.includes(key))).toEqual([]);
      } else {
        expect({ key, receiver: s.receiver }).toEqual({ key, receiver: expect.any(String) });
        expect({ key, forward: transitions.some(([, t]) => t.from.includes(key) && t.to !== 'same' && t.to !== key) }).toEqual({ key, forward: true });
      }
    }
  });

  test('every state is reachable from the start', () => {
    const seen = reachable(INITIAL_STATE, moves);
    expect(states.filter((s) => !seen.has(s))).toEqual([]);
  });

  test('no dead ends: the end can be reached from every state', () => {
    for (const s of states) expect({ s, ends: reachable(s, moves).has('closed') }).toEqual({ s, ends: true });
  });

  test('every transition is well formed: states, documents, deadline rules, legal basis, roles', () => {
    const ruleKeys = new Set<string>(DEADLINE_RULES.map((r) => r.key));
    for (const [key, t] of transitions) {
      for (const f of t.from) expect({ key, from: f, known: f in STATES }).toEqual({ key, from: f, known: true });
      if (t.to !== 'same') expect({ key, to: t.to, known: t.to in STATES }).toEqual({ key, to: t.to, known: true });
      if (t.deadline) expect({ key, deadline: t.deadline, known: ruleKeys.has(t.deadline) }).toEqual({ key, deadline: t.deadline, known: true });
      for (const doc of t.requires ?? []) expect(Object.keys(DOC_TYPES)).toContain(doc.type);
      expect(t.basis.length).toBeGreaterThan(4);
      expect(t.roles.length).toBeGreaterThan(0);
      // Choosing a police body and moving the case to it always go together.
      expect({ key, chooses: t.needs?.includes('policeOrgId') ?? false })
        .toEqual({ key, chooses: t.effects?.includes('assign_chosen_police') ?? false });
    }
  });

  test('a transfer needs the five documents of 310 Art6 and files the case with the procuratorate', () => {
    expect(TRANSITIONS.transfer.requires.map((d) => d.type)).toEqual(['transfer_letter', 'investigation_report', 'evidence_list', 'expert_report', 'other']);
    expect(TRANSITIONS.transfer.effects).toContain('create_filing');
  });

  test('deadline rules carry a basis and the legal amounts (never 365 days for the police decision)', () => {
    for (const r of DEADLINE_RULES) expect(r.basis).toMatch(/第|规定|法/);
    const decision = DEADLINE_RULES.find((r) => r.key === 'police_decision')!;
    expect({ amount: decision.amount, unit: decision.unit }).toEqual({ amount: 3, unit: 'days' });
    expect(decision.extensions.map((e) => e.totalAmount)).toEqual([10, 30, 60]);
    const used = new Set(transitions.map(([, t]) => t.deadline).filter(Boolean));
    expect(DEADLINE_RULES.filter((r) => !used.has(r.key)).map((r) => r.key)).toEqual([]);
  });

  test('clients read the allowed actions of a role from the same definition', () => {
    expect(availableTransitions('accepted', ['police_officer'])).toEqual(
      expect.arrayContaining(['forward_to_competent', 'request_supplement', 'refer_lead']));
    expect(availableTransitions('accepted', ['police_officer'])).not.toContain('decide_file');
    expect(availableTransitions('accepted', ['police_head'])).toContain('decide_file');
    expect(availableTransitions('accepted', ['agency_officer'])).toEqual(['refer_lead']);
  });
});
