import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The deadline rules the process definition starts (contracts/src/process/deadlines.ts), shipped
 * as reference data with the schema: until now only the seeder wrote them, and production turns
 * the seeder off, so the first transition of a fresh production database answered 500.
 *
 * A frozen copy, not an import of the contract: a migration must insert the same rows whenever it
 * runs. A later change of a default (or a new key) ships as a new migration that adds a version;
 * test/reference-data.test.ts fails until it does. Keys a database already has (seeded before this
 * migration existed, or corrected by an admin) are left alone.
 */
interface RuleRow {
  key: string; label: string; amount: number; unit: string; rolloverOnRestDay: boolean; basis: string; unverified?: boolean;
  extensions?: Array<Record<string, string | number>>;
}

/** When these rows were shipped: their created_at, the same on every database. */
const SHIPPED_AT = '2025-12-05 15:53:20.000';

const RULES: RuleRow[] = [
  { key: 'head_approval', label: '负责人审批移送报告', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第五条：正职负责人或者主持工作的负责人应当自接到报告之日起3日内作出批准移送或者不批准移送的决定' },
  { key: 'transfer_after_approval', label: '批准后移送公安机关', amount: 24, unit: 'hours', rolloverOnRestDay: false, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第五条：决定批准的，应当在24小时内向同级公安机关移送' },
  {
    key: 'police_decision', label: '公安机关审查决定是否立案', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第八条；《公安机关办理刑事案件程序规定》第一百八十条：自接受案件之日起3日内',
    extensions: [
      { key: 'economic', label: '经济犯罪案件', totalAmount: 10, unit: 'days', approverRole: 'police_head', basis: '《公安机关办理经济犯罪案件的若干规定》第十六条：最长不超过10日' },
      { key: 'economic_complex', label: '重大、疑难、复杂或者跨区域性经济犯罪案件（经县级以上公安机关负责人批准）', totalAmount: 30, unit: 'days', approverRole: 'police_head', basis: '《公安机关办理经济犯罪案件的若干规定》第十六条：经县级以上公安机关负责人批准，最长不超过30日', after: 'economic' },
      { key: 'economic_further', label: '特殊情况再延长30日（经上一级公安机关负责人批准）', totalAmount: 60, unit: 'days', approverRole: 'police_head', basis: '《公安机关办理经济犯罪案件的若干规定》第十六条：经上一级公安机关负责人批准，可以再延长30日', after: 'economic_complex' },
    ],
  },
  { key: 'supplement', label: '执法机关补正材料', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《公安机关办理刑事案件程序规定》第一百八十条第二款：材料不全的，应当在接受案件后24小时内书面告知移送机关在3日内补正；不得以材料不全为由不接受移送案件' },
  { key: 'handover', label: '立案后移交涉案物品和材料', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第十二条：自接到立案通知书之日起3日内' },
  { key: 'reconsideration_request', label: '对不予立案决定申请复议', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第九条；《公安机关办理刑事案件程序规定》第一百八十一条：自接到不予立案通知书之日起3日内' },
  { key: 'reconsideration_decision', label: '公安机关作出复议决定', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第九条；《公安机关办理刑事案件程序规定》第一百八十一条：自收到复议申请之日起3日内' },
  { key: 'supervision_request', label: '建议检察院立案监督', amount: 3, unit: 'days', rolloverOnRestDay: true, basis: '《行政执法机关移送涉嫌犯罪案件的规定》第九条：对复议决定仍有异议的，自收到复议决定通知书之日起3日内建议人民检察院依法进行立案监督' },
  { key: 'police_reasons', label: '公安机关说明不立案理由', amount: 7, unit: 'days', rolloverOnRestDay: true, basis: '《刑事诉讼法》第一百一十三条；《人民检察院刑事诉讼规则》第五百五十九条至第五百六十条；《公安机关办理刑事案件程序规定》第一百八十二条：7日以内' },
  { key: 'review_reasons', label: '检察院审查理由并告知执法机关', amount: 10, unit: 'days', rolloverOnRestDay: true, basis: '《人民检察院刑事诉讼规则》第五百六十三条：不立案理由成立的，应当在10日以内将审查结论书面告知提请立案监督的行政执法机关' },
  { key: 'file_after_order', label: '通知立案后公安机关立案', amount: 15, unit: 'days', rolloverOnRestDay: true, basis: '《人民检察院刑事诉讼规则》第五百六十一条、第五百六十四条：公安机关应当在收到通知立案书后15日以内立案' },
  { key: 'investigation_progress', label: '立案后3个月未侦查终结的催办', amount: 3, unit: 'months', rolloverOnRestDay: true, basis: '《人民检察院刑事诉讼规则》第五百六十四条：立案后3个月以内未侦查终结的，人民检察院可以向公安机关发出立案监督案件催办函' },
  { key: 'suggestion_answer', label: '执法机关答复建议移送的检察意见', amount: 30, unit: 'days', rolloverOnRestDay: true, basis: '《人民检察院刑事诉讼规则》第五百五十七条；《行政执法机关移送涉嫌犯罪案件的规定》第十四条（答复期限法律未作统一规定，此为可配置的默认值）', unverified: true },
  { key: 'opinion_reply', label: '执法机关回复不起诉后的检察意见', amount: 2, unit: 'months', rolloverOnRestDay: true, basis: '最高人民检察院《关于推进行政执法与刑事司法衔接工作的规定》（高检发释字〔2021〕4号）：有关主管机关应当自收到检察意见书之日起2个月以内回复（条文序号待核）', unverified: true },
];

export class DeadlineRules1764950000000 implements MigrationInterface {
  name = 'DeadlineRules1764950000000';

  async up(q: QueryRunner): Promise<void> {
    const present = new Set((await q.query('SELECT DISTINCT rule_key FROM deadline_rule') as Array<{ rule_key: string }>).map((r) => r.rule_key));
    for (const r of RULES) {
      if (present.has(r.key)) continue;
      await q.query(
        'INSERT INTO deadline_rule (rule_key, version, label, amount, unit, rollover_on_rest_day, basis, extensions, unverified, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)',
        [r.key, r.label, r.amount, r.unit, r.rolloverOnRestDay ? 1 : 0, r.basis, JSON.stringify(r.extensions ?? []), r.unverified ? 1 : 0, SHIPPED_AT],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Only the rows this migration wrote: version 1 stamped with its instant.
    for (const r of RULES) await q.query('DELETE FROM deadline_rule WHERE rule_key = ? AND version = 1 AND created_at = ?', [r.key, SHIPPED_AT]);
  }
}
