/**
 * The seeded generator of the issue's data set, in the platform's own schema: the platform's
 * migrations and seed (Shenzhen directory, regulations, deadline rules) first, then generated
 * regions and organisations up to `orgs`, one user per organisation, `cases` cases with their
 * parties, timelines, tasks and filings, written with multi-row INSERTs of a few thousand rows.
 * Same seed and size, same rows (timestamps are offsets from the anchor instant).
 */
import type { Connection } from 'mysql2/promise';
import { STATES, TRANSITIONS, DEADLINE_RULES, type TransitionDef, type Party, type Role, type StateDef } from '@lfxj/contracts';
import { Rng, Weighted } from './prng';
import { SCENARIOS, SCENARIO_STEPS, endState, isOpen, receiverParty, type Step } from './scenarios';
import { fillDerivedTables } from './derived';

export const BENCH_PASSWORD = 'Bench-Passw0rd!2025';
/** The organisation whose inbox is measured (and whose head approves transfers): 福田市场监管. */
export const BUSIEST_ORG_CODE = 'SZ-FT-SCJG';
/** The procuratorate that searches: it files every case of the agencies of 福田. */
export const SEARCH_ORG_CODE = 'SZ-FT-JCY';
/** How many bench users act for each of those organisations (their tokens are spread over the connections). */
export const ACTORS_PER_ROLE = 10;

export interface GenerateOptions {
  cases: number;
  seed: number;
  /** Organisations in all (the Shenzhen seed's ~150 plus generated ones). */
  orgs: number;
  /** Share of open tasks whose next reminder point has come (1: the scan never ran). */
  dueShare: number;
  anchor: Date;
  log: (line: string) => void;
}

export interface GenerateResult {
  counts: Record<string, number>;
  busiestOrgId: number;
  searchOrgId: number;
  ms: number;
}

interface Org { id: number; code: string; kind: string; regionId: number; name: string; userId: number; userName: string }
interface Route { police: number; procuratorate: number; supervisory: number | null }

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const CITY_NAMES = ['东江', '西岭', '南湖', '北川', '青山', '白石', '金沙', '银滩', '云溪', '松原', '桃源', '梅林', '竹港', '兰亭', '荷塘', '枫桥',
  '石门', '清水', '长岭', '黄沙'];
const DISTRICTS = ['城区', '新区', '东区', '西区', '南区', '北区', '开发区', '高新区', '港区', '湖区'];
const AGENCIES: Array<[string, string]> = [
  ['市场监管', '市场监督管理局'], ['生态环境', '生态环境局'], ['卫生健康', '卫生健康局'], ['城市管理', '城市管理和综合执法局'],
  ['应急管理', '应急管理局'], ['规划和自然资源', '规划和自然资源局'], ['交通运输', '交通运输局'], ['文化旅游', '文化广电旅游体育局'],
  ['人力资源社会保障', '人力资源和社会保障局'],
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高',
  '郑', '梁', '谢', '宋', '唐', '许', '邓', '冯', '韩', '曹'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀', '霞', '平',
  '刚', '桂', '英', '华', '文', '玲', '建', '国', '红', '志', '海', '波', '鹏', '宇', '浩', '凯', '健', '俊', '帆', '欣'];
const WORDS = ['华', '鑫', '宏', '达', '盛', '源', '泰', '丰', '茂', '恒', '昌', '隆', '嘉', '瑞', '联', '创', '科', '贸', '信', '诚'];
const OFFENCES = ['销售伪劣产品', '生产、销售假药', '非法经营', '污染环境', '非法占用农用地', '销售假冒注册商标的商品',
  '生产、销售不符合安全标准的食品', '重大责任事故', '非法采矿', '逃税', '拒不支付劳动报酬', '假冒注册商标'];

const DEADLINE_HOURS = new Map<string, number>(DEADLINE_RULES.map((r): [string, number] => {
  const per = { hours: 1, days: 24, working_days: 24 * 7 / 5, months: 24 * 30 }[r.unit];
  return [r.key, r.amount * per];
}));

/** Values for a multi-row INSERT: every generated string is plain text, but escape anyway. */
const q = (s: string | null): string => (s === null ? 'NULL' : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
const dt = (ms: number | null): string => (ms === null ? 'NULL' : `'${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`);
const n = (x: number | null): string => (x === null ? 'NULL' : String(x));

async function insert(conn: Connection, table: string, columns: string, rows: string[], chunk = 4000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await conn.query(`INSERT INTO ${table} (${columns}) VALUES ${rows.slice(i, i + chunk).join(',')}`);
  }
}

async function one<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

/** The directory: the Shenzhen seed as loaded, then generated cities and districts up to `total` organisations. */
async function directory(conn: Connection, total: number, passwordHash: string, anchor: number) {
  const existing = await one<{ id: number; code: string; kind: string; region_id: number; status: string }>(conn,
    'SELECT id, code, kind, region_id, status FROM organisation ORDER BY id');
  const names = await one<{ org_id: number; name: string }>(conn,
    'SELECT org_id, name FROM org_name WHERE valid_to IS NULL ORDER BY id');
  const nameOf = new Map(names.map((r) => [r.org_id, r.name]));
  const routes = new Map<number, Route>();
  for (const r of await one<{ region_id: number; police_org_id: number; procuratorate_org_id: number; supervisory_org_id: number | null }>(conn,
    'SELECT region_id, police_org_id, procuratorate_org_id, supervisory_org_id FROM region_routing')) {
    routes.set(r.region_id, { police: r.police_org_id, procuratorate: r.procuratorate_org_id, supervisory: r.supervisory_org_id });
  }
  const orgs: Array<Omit<Org, 'userId' | 'userName'> & { active: boolean }> = existing.map((o) => ({
    id: o.id, code: o.code, kind: o.kind, regionId: o.region_id, name: nameOf.get(o.id) ?? o.code, active: o.status === 'active',
  }));
  let orgId = Math.max(0, ...existing.map((o) => o.id));
  let regionId = (await one<{ m: number | null }>(conn, 'SELECT MAX(id) AS m FROM region'))[0].m ?? 0;
  const regionRows: string[] = [];
  const regionNameRows: string[] = [];
  const orgRows: string[] = [];
  const orgNameRows: string[] = [];
  const routeRows: string[] = [];
  for (let city = 0; orgs.length < total; city++) {
    const cityName = `${CITY_NAMES[city % CITY_NAMES.length]}${city >= CITY_NAMES.length ? Math.floor(city / CITY_NAMES.length) + 1 : ''}市`;
    const cityRegion = ++regionId;
    for (let d = -1; d < DISTRICTS.length && orgs.length < total; d++) {
      const id = d < 0 ? cityRegion : ++regionId;
      const code = d < 0 ? `G${String(city + 1).padStart(2, '0')}` : `G${String(city + 1).padStart(2, '0')}-${String(d + 1).padStart(2, '0')}`;
      const label = d < 0 ? cityName : `${cityName}${DISTRICTS[d]}`;
      regionRows.push(`(${id},${q(code)},${q(d < 0 ? '市本级' : '行政区')},${d < 0 ? 'NULL' : cityRegion})`);
      regionNameRows.push(`(${id},${q(label)})`);
      const add = (suffix: string, kind: string, name: string, domain: string | null) => {
        const org = { id: ++orgId, code: `${code}-${suffix}`, kind, regionId: id, name, active: true };
        orgs.push(org);
        orgRows.push(`(${org.id},${q(org.code)},${q(kind)},${id},${q(domain)})`);
        orgNameRows.push(`(${org.id},${q(name)})`);
        return org.id;
      };
      const police = add('GA', '公安机关', d < 0 ? `${cityName}公安局` : `${cityName}公安局${DISTRICTS[d]}分局`, null);
      const procuratorate = add('JCY', '人民检察院', `${label}人民检察院`, null);
      const supervisory = add('JW', '监察机关', `${label}监察委员会`, null);
      routeRows.push(`(${id},${police},${procuratorate},${supervisory})`);
      routes.set(id, { police, procuratorate, supervisory });
      for (let a = 0; a < AGENCIES.length && orgs.length < total; a++) add(`A${a + 1}`, '行政执法机关', `${label}${AGENCIES[a][1]}`, AGENCIES[a][0]);
    }
  }
  await insert(conn, 'region', 'id, code, kind, parent_id', regionRows);
  await insert(conn, 'region_name', 'region_id, name', regionNameRows);
  await insert(conn, 'organisation', 'id, code, kind, region_id, domain', orgRows);
  await insert(conn, 'org_name', 'org_id, name', orgNameRows);
  await insert(conn, 'region_routing', 'region_id, police_org_id, procuratorate_org_id, supervisory_org_id', routeRows);

  // One officer per organisation that takes part in cases (the timelines name them; the scan texts them).
  const ROLES: Record<string, Role[]> = {
    行政执法机关: ['agency_officer', 'agency_head'], 公安机关: ['police_officer', 'police_head'], 人民检察院: ['procurator'], 监察机关: ['supervisory_officer'],
  };
  let userId = (await one<{ m: number | null }>(conn, 'SELECT MAX(id) AS m FROM app_user'))[0].m ?? 0;
  const userRows: string[] = [];
  const roleRows: string[] = [];
  const people = new Map<number, { userId: number; userName: string }>();
  const user = (username: string, display: string, org: number, roles: Role[], phone: string | null) => {
    const id = ++userId;
    userRows.push(`(${id},${q(username)},${q(display.slice(0, 32))},${org},${q(phone)},'active',${q(passwordHash)},0,${dt(anchor)})`);
    for (const r of roles) roleRows.push(`(${id},${q(r)})`);
    return id;
  };
  for (const o of orgs) {
    const roles = ROLES[o.kind];
    if (!roles || !o.active) continue;
    const display = `${o.name.replace(/^深圳市/, '')}承办人`.slice(-32);
    people.set(o.id, { userId: user(`u${o.id}`, display, o.id, roles, `139${String(o.id).padStart(8, '0')}`), userName: display.slice(0, 32) });
  }
  const busiest = orgs.find((o) => o.code === BUSIEST_ORG_CODE);
  const search = orgs.find((o) => o.code === SEARCH_ORG_CODE);
  if (!busiest || !search) throw new Error(`bench: the Shenzhen seed has no ${BUSIEST_ORG_CODE} or ${SEARCH_ORG_CODE}`);
  // The bench's own accounts have no phone: the reminder scan texts only the organisations' officers.
  for (let i = 1; i <= ACTORS_PER_ROLE; i++) {
    user(`bench.officer.${i}`, `压测承办人${i}`, busiest.id, ['agency_officer'], null);
    user(`bench.head.${i}`, `压测负责人${i}`, busiest.id, ['agency_head'], null);
    user(`bench.jcy.${i}`, `压测检察官${i}`, search.id, ['procurator'], null);
  }
  await insert(conn, 'app_user', 'id, username, display_name, org_id, phone, status, password_hash, must_change_password, password_changed_at', userRows);
  await insert(conn, 'user_role', 'user_id, role', roleRows);

  const full: Org[] = orgs.filter((o) => people.has(o.id)).map((o) => ({ ...o, ...people.get(o.id)! }));
  return { orgs: full, routes, busiestId: busiest.id, searchId: search.id, counts: { organisations: orgs.length, users: userRows.length } };
}

/** Exact counts per scenario (largest remainders), so every size has the same mix. */
function scenarioCounts(total: number): number[] {
  const raw = SCENARIOS.map((s) => s.share * total);
  const counts = raw.map(Math.floor);
  const order = raw.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0, left = total - counts.reduce((a, b) => a + b, 0); left > 0; k++, left--) counts[order[k % order.length][1]]++;
  return counts;
}

export async function generate(conn: Connection, opts: GenerateOptions, passwordHash: string): Promise<GenerateResult> {
  const started = Date.now();
  const rng = new Rng(opts.seed);
  const anchor = opts.anchor.getTime();
  await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
  const dir = await directory(conn, opts.orgs, passwordHash, anchor);
  opts.log(`  directory: ${dir.counts.organisations} organisations, ${dir.counts.users} users`);
  const byId = new Map(dir.orgs.map((o) => [o.id, o]));
  const agencies = dir.orgs.filter((o) => o.kind === '行政执法机关' && dir.routes.has(o.regionId));
  const others = agencies.filter((o) => o.id !== dir.busiestId);
  // Case load per agency falls off with rank (a few agencies record most cases).
  const zipf = new Weighted(others, others.map((_, i) => 1 / Math.pow(i + 5, 0.8)));
  rng.shuffle(others);

  // The plan: which scenario each case follows, in a seeded order.
  const counts = scenarioCounts(opts.cases);
  const plan: number[] = [];
  counts.forEach((c, k) => { for (let i = 0; i < c; i++) plan.push(k); });
  rng.shuffle(plan);
  // The busiest organisation holds ~27,326 open tasks per 1,000,000 cases (the issue's data set),
  // a share of them awaiting its head's approval: the transitions are taken on those.
  const busiestOpen = Math.max(1, Math.round(27_326 * opts.cases / 1_000_000));
  const pendingForBusiest = Math.min(busiestOpen, Math.max(40, Math.round(0.008 * opts.cases)));
  let busiestPending = 0;
  let busiestOther = 0;
  const busiest = byId.get(dir.busiestId)!;
  const agencyOf = (steps: Step[]): Org => {
    const state = endState(steps);
    if (isOpen(state) && receiverParty(state) === 'agency') {
      if (state === 'pending_approval' && busiestPending < pendingForBusiest) {
        busiestPending++;
        return busiest;
      }
      if (state !== 'pending_approval' && busiestOther < busiestOpen - pendingForBusiest) {
        busiestOther++;
        return busiest;
      }
      return zipf.pick(rng);
    }
    // Closed cases and cases with the police or the procuratorate: the busiest agency records its share.
    return rng.next() < 0.03 ? busiest : zipf.pick(rng);
  };

  const totals: Record<string, number> = { cases: 0, events: 0, tasks: 0, openTasks: 0, parties: 0, filings: 0 };
  let eventId = 0;
  const CHUNK = 2000;
  let pending: Promise<void> = Promise.resolve();
  for (let from = 0; from < opts.cases; from += CHUNK) {
    const caseRows: string[] = [];
    const partyRows: string[] = [];
    const eventRows: string[] = [];
    const taskRows: string[] = [];
    const filingRows: string[] = [];
    for (let i = from; i < Math.min(opts.cases, from + CHUNK); i++) {
      const id = i + 1;
      const steps = SCENARIO_STEPS[plan[i]];
      const state = endState(steps);
      const open = isOpen(state);
      const agency = agencyOf(steps);
      const route = dir.routes.get(agency.regionId)!;
      const transferred = steps.some((s) => s.transition === 'transfer');
      const partyOrg: Record<Party, number | null> = {
        agency: agency.id, police: transferred ? route.police : null, procuratorate: route.procuratorate, supervisory: null,
      };
      // Open cases moved recently (their last step within 20 days); closed ones over the last three years.
      const at: number[] = new Array(steps.length);
      if (open) {
        at[steps.length - 1] = anchor - Math.floor(rng.next() * 20 * DAY);
        for (let s = steps.length - 2; s >= 0; s--) at[s] = at[s + 1] - HOUR - Math.floor(rng.next() * 71 * HOUR);
      } else {
        at[0] = anchor - 30 * DAY - Math.floor(rng.next() * 1065 * DAY);
        for (let s = 1; s < steps.length; s++) at[s] = at[s - 1] + HOUR + Math.floor(rng.next() * 239 * HOUR);
      }
      // Parties: one or two people or companies.
      const names: string[] = [];
      for (let p = 0, count = rng.next() < 0.55 ? 1 : 2; p < count; p++) {
        const person = rng.next() < 0.6;
        const name = person
          ? `${rng.pick(SURNAMES)}${rng.pick(GIVEN)}${rng.next() < 0.6 ? rng.pick(GIVEN) : ''}`
          : `深圳市${rng.pick(WORDS)}${rng.pick(WORDS)}${rng.pick(['实业', '贸易', '科技', '食品', '建材', '物流'])}有限公司`;
        const idNumber = person
          ? `44030${rng.int(1, 9)}${rng.int(1960, 2004)}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}${rng.int(1000, 9999)}`
          : `91440300${rng.int(10000000, 99999999)}${rng.pick(['X', 'A', 'B', 'C'])}`;
        names.push(name);
        partyRows.push(`(${id},${q(person ? 'person' : 'company')},${q(name)},${q(idNumber)})`);
      }
      const offence = rng.pick(OFFENCES);
      const title = `${names[0]}涉嫌${offence}案`.slice(0, 200);
      const year = new Date(at[0]).getUTCFullYear();
      const penalty = steps.some((s) => s.transition === 'record_penalty');
      const amount = rng.next() < 0.8 ? `${rng.int(1000, 5_000_000)}.${String(rng.int(0, 99)).padStart(2, '0')}` : null;
      caseRows.push(`(${id},${q(`LF${year}${String(id).padStart(7, '0')}`)},${q(`${agency.code}-${year}-${id}`)},${q(title)},${q(penalty ? 'penalty_only' : 'transfer')},`
        + `${q(state)},${agency.id},${agency.regionId},${n(partyOrg.police)},${n(partyOrg.procuratorate)},NULL,${q(offence)},${amount ?? 'NULL'},`
        + `${q(`经查，${names[0]}在经营活动中涉嫌${offence}，涉案金额${amount ?? '待核'}元，现场查获相关物品及账册。`)},`
        + `${penalty ? q(`罚款人民币${rng.int(1, 200)}000元`) : 'NULL'},${agency.userId},${open ? 'NULL' : dt(at[steps.length - 1])},`
        + `${steps.length + 1},${dt(at[0])},${dt(at[steps.length - 1])})`);
      // The timeline: the create event, then one per step, each by the acting party's officer.
      const firstEvent = eventId + 1;
      steps.forEach((s, k) => {
        const actor = byId.get(partyOrg[s.party] ?? agency.id) ?? agency;
        const def = s.transition === 'create' ? null : (TRANSITIONS[s.transition] as TransitionDef);
        const reason = def?.needs?.includes('reason') ? '经审查，依法办理。' : null;
        eventRows.push(`(${++eventId},${id},${k + 1},${q(s.transition)},${q(s.from)},${q(s.to)},${actor.userId},${actor.id},${q(reason)},`
          + `${q(s.transition === 'create' ? '{}' : `{"party":"${s.party}"}`)},${dt(at[k])},${q(actor.userName)},${q(actor.name.slice(0, 64))})`);
        if (s.transition === 'transfer') {
          const signed = rng.next() < 0.8 ? at[k] + DAY : null;
          const jcy = byId.get(route.procuratorate);
          filingRows.push(`(${id},${route.procuratorate},${eventId},${dt(at[k])},'[]',${dt(signed !== null && signed < anchor ? signed : null)},`
            + `${signed !== null && signed < anchor && jcy ? jcy.userId : 'NULL'})`);
        }
      });
      // One task per case: the open one of its current receiver, or the last one done before it closed.
      const last = steps[steps.length - 1];
      if (open) {
        const party = receiverParty(state)!;
        const def = last.transition === 'create' ? null : (TRANSITIONS[last.transition] as TransitionDef);
        const rule = def?.deadline ?? null;
        const start = at[steps.length - 1];
        const due = rule ? start + DEADLINE_HOURS.get(rule)! * HOUR : null;
        const remind = rng.next() < opts.dueShare ? start : anchor + HOUR + Math.floor(rng.next() * 7 * DAY);
        taskRows.push(`(${id},${id},${partyOrg[party] ?? agency.id},${q(state)},${q((STATES[state] as StateDef).task ?? '')},${q(rule)},${rule ? 1 : 'NULL'},`
          + `${dt(start)},${dt(due)},'open',${eventId},NULL,NULL,${dt(remind)})`);
        totals.openTasks++;
      } else {
        const prev = steps[steps.length - 2];
        taskRows.push(`(${id},${id},${agency.id},${q(prev.to)},${q((STATES[prev.to] as StateDef).task ?? '')},NULL,NULL,`
          + `${dt(at[steps.length - 2])},NULL,'done',${eventId - 1},${eventId},${dt(at[steps.length - 1])},NULL)`);
      }
      totals.events += eventId - firstEvent + 1;
    }
    totals.cases += caseRows.length;
    totals.parties += partyRows.length;
    totals.tasks += taskRows.length;
    totals.filings += filingRows.length;
    // The next chunk is built while this one is written.
    await pending;
    pending = (async () => {
      await insert(conn, 'case_record', 'id, platform_no, agency_case_no, title, kind, state, agency_org_id, region_id, police_org_id, '
        + 'procuratorate_org_id, supervisory_org_id, suspected_offence, amount_involved, facts, penalty_info, created_by, closed_at, version, created_at, updated_at', caseRows);
      await insert(conn, 'case_party', 'case_id, kind, name, id_number', partyRows);
      await insert(conn, 'case_event', 'id, case_id, seq, transition, from_state, to_state, actor_user_id, actor_org_id, reason, details, at, actor_name, actor_org_name', eventRows);
      await insert(conn, 'case_task', 'id, case_id, org_id, state, title, rule_key, rule_version, started_at, due_at, status, opened_by_event_id, '
        + 'closed_by_event_id, closed_at, next_remind_at', taskRows);
      if (filingRows.length) await insert(conn, 'filing', 'case_id, procuratorate_org_id, event_id, filed_at, materials, signed_at, signed_by', filingRows);
    })();
    if ((from / CHUNK) % 50 === 49) opts.log(`  ${totals.cases.toLocaleString('en')} cases, ${totals.events.toLocaleString('en')} events (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  await pending;
  const derived = await fillDerivedTables(conn, opts.log);
  await conn.query('ANALYZE TABLE case_record, case_party, case_event, case_task, filing, organisation, org_name, app_user, user_role');
  return {
    counts: { ...dir.counts, ...totals, busiestOpenTasks: busiestPending + busiestOther, transitionPool: busiestPending, ...derived },
    busiestOrgId: dir.busiestId, searchOrgId: dir.searchId, ms: Date.now() - started,
  };
}
