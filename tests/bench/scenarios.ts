import { STATES, TRANSITIONS, INITIAL_STATE, RECEIVER_PARTY, type StateKey, type TransitionKey, type TransitionDef, type StateDef, type Party, type Role } from '@lfxj/contracts';

/** The party a role acts for (as backend/src/modules/cases/case-access.ts has it). */
const ROLE_PARTY: Partial<Record<Role, Party>> = {
  agency_officer: 'agency', agency_head: 'agency', police_officer: 'police', police_head: 'police', procurator: 'procuratorate',
  supervisory_officer: 'supervisory',
};

/**
 * The paths the generated cases took through the process (contracts/src/process), with the share
 * of all cases that stop at each path's end. Open cases sit mostly in early states; closed ones are
 * mostly penalty-only records (有案必录: most recorded administrative cases are never transferred).
 * Shares add up to 1; about 30 % of the cases are open (each holds one open task) and the mean
 * timeline is about 3 events per case (the create event plus one per step).
 */
const TO_ACCEPTED: TransitionKey[] = ['submit_report', 'approve_transfer', 'transfer', 'sign_receipt'];
const TO_HANDED_OVER: TransitionKey[] = [...TO_ACCEPTED, 'decide_file', 'hand_over'];
const TO_NOT_FILED: TransitionKey[] = [...TO_ACCEPTED, 'decide_not_file'];

export interface Scenario {
  path: TransitionKey[];
  share: number;
}

export const SCENARIOS: Scenario[] = [
  // Open (0.30 in all).
  { path: [], share: 0.07 },
  { path: ['submit_report'], share: 0.05 },
  { path: ['submit_report', 'approve_transfer'], share: 0.01 },
  { path: ['submit_report', 'approve_transfer', 'transfer'], share: 0.02 },
  { path: TO_ACCEPTED, share: 0.04 },
  { path: [...TO_ACCEPTED, 'request_supplement'], share: 0.003 },
  { path: [...TO_ACCEPTED, 'decide_file'], share: 0.005 },
  { path: TO_HANDED_OVER, share: 0.02 },
  { path: TO_NOT_FILED, share: 0.003 },
  { path: [...TO_NOT_FILED, 'request_reconsideration'], share: 0.001 },
  { path: [...TO_NOT_FILED, 'request_supervision'], share: 0.002 },
  { path: [...TO_NOT_FILED, 'request_supervision', 'demand_reasons'], share: 0.001 },
  { path: [...TO_NOT_FILED, 'request_supervision', 'demand_reasons', 'give_reasons'], share: 0.001 },
  { path: [...TO_HANDED_OVER, 'report_prosecution'], share: 0.005 },
  { path: ['record_penalty'], share: 0.045 },
  { path: ['submit_report', 'refuse_transfer'], share: 0.015 },
  { path: ['submit_report', 'approve_transfer', 'transfer', 'send_back'], share: 0.004 },
  { path: [...TO_HANDED_OVER, 'report_prosecution', 'non_prosecution_opinion'], share: 0.002 },
  { path: ['record_penalty', 'suggest_transfer'], share: 0.003 },
  // Closed (0.70).
  { path: ['record_penalty', 'close_administratively'], share: 0.69 },
  { path: [...TO_HANDED_OVER, 'report_prosecution', 'record_prosecution'], share: 0.01 },
];

export interface Step {
  transition: TransitionKey | 'create';
  from: StateKey | null;
  to: StateKey;
  /** The party that took the step. */
  party: Party;
}

/** The steps of a path, checked against the process definition (a path it does not allow fails at load). */
export function stepsOf(path: readonly TransitionKey[]): Step[] {
  const steps: Step[] = [{ transition: 'create', from: null, to: INITIAL_STATE, party: 'agency' }];
  let state: StateKey = INITIAL_STATE;
  for (const key of path) {
    const def: TransitionDef = TRANSITIONS[key];
    if (!def.from.includes(state)) throw new Error(`bench scenario: ${key} is not allowed from ${state}`);
    const to: StateKey = def.to === 'same' ? state : def.to;
    steps.push({ transition: key, from: state, to, party: ROLE_PARTY[def.roles[0]] ?? 'agency' });
    state = to;
  }
  return steps;
}

export const SCENARIO_STEPS = SCENARIOS.map((s) => stepsOf(s.path));

/** The state a scenario ends in. */
export const endState = (steps: Step[]): StateKey => steps[steps.length - 1].to;

export const isOpen = (state: StateKey): boolean => !(STATES[state] as StateDef).terminal;

/** Who holds the open task in a state. */
export function receiverParty(state: StateKey): Party | null {
  const r = (STATES[state] as StateDef).receiver;
  return r ? RECEIVER_PARTY[r] : null;
}
