import type { Role } from '../roles';
import type { DeadlineKey } from './deadlines';

/**
 * The 两法衔接 process as data [DOMAIN.md, both process tables]. The backend enforces it, the
 * mini-program and the admin console read their labels and allowed actions from it. A test
 * walks the graph: every open state names who acts next, every state is reachable, every
 * state can reach the end, every deadline rule exists.
 */

/** The parties of a case. */
export type Party = 'agency' | 'police' | 'procuratorate' | 'supervisory';

export const PARTY_LABELS: Record<Party, string> = {
  agency: '行政执法机关', police: '公安机关', procuratorate: '人民检察院', supervisory: '监察机关',
};

/** How the organisation that must act next is found. */
export type ReceiverRule =
  | 'case_agency' // the agency that recorded and transferred the case
  | 'case_police' // the police body now holding the case (routing police, or the one it was passed to)
  | 'filing_procuratorate' // the procuratorate the case is filed with (routing table of the agency's region)
  | 'routing_supervisory'; // the supervisory commission of the agency's region

export const RECEIVER_PARTY: Record<ReceiverRule, Party> = {
  case_agency: 'agency', case_police: 'police', filing_procuratorate: 'procuratorate', routing_supervisory: 'supervisory',
};

export const DOC_TYPES = {
  transfer_report: '移送涉嫌犯罪案件的书面报告',
  transfer_letter: '涉嫌犯罪案件移送书',
  investigation_report: '涉嫌犯罪案件情况的调查报告',
  evidence_list: '涉案物品清单',
  expert_report: '检验报告或鉴定意见',
  receipt: '回执',
  notice: '通知书',
  handover_list: '交接清单',
  penalty_decision: '行政处罚决定书',
  opinion: '检察意见书',
  photo: '照片',
  other: '其他材料',
} as const;
export type DocType = keyof typeof DOC_TYPES;

export interface StateDef {
  label: string;
  /** Who must act next (null for the end state). */
  receiver: ReceiverRule | null;
  /** What the receiver has to do, shown on their task. */
  task?: string;
  terminal?: boolean;
}

/** Extra input a transition needs besides documents. */
export type PayloadNeed = 'reason' | 'policeOrgId' | 'urgeKind';

export interface TransitionDef {
  label: string;
  from: readonly StateKey[];
  /** 'same' keeps the state (a notice, an urging, a lead to the supervisory commission). */
  to: StateKey | 'same';
  roles: readonly Role[];
  /** Documents that must come with the action: at least one file of each listed type. */
  requires?: ReadonlyArray<{ type: DocType; label: string }>;
  needs?: readonly PayloadNeed[];
  /** The deadline rule of the task the next receiver gets. */
  deadline?: DeadlineKey;
  /** Side effects, each implemented once in the backend. */
  effects?: readonly Effect[];
  /** Extra receivers told of this step besides every party of the case (通报). */
  alsoNotify?: readonly ReceiverRule[];
  basis: string;
}

export type Effect =
  | 'assign_routing_police' // the case goes to the police body of the agency's region
  | 'assign_chosen_police' // the case goes to the police body named in the payload
  | 'create_filing' // 备案 with the filing procuratorate
  | 'lead_to_supervisory'; // a task for the supervisory commission

const AGENCY: readonly Role[] = ['agency_officer', 'agency_head'];
const AGENCY_HEAD: readonly Role[] = ['agency_head'];
const POLICE: readonly Role[] = ['police_officer', 'police_head'];
const POLICE_HEAD: readonly Role[] = ['police_head'];
const PROCURATOR: readonly Role[] = ['procurator'];

export const STATES = {
  draft: { label: '登记', receiver: 'case_agency', task: '核实案情，撰写移送报告或登记行政处罚' },
  pending_approval: { label: '待负责人审批', receiver: 'case_agency', task: '负责人审批是否移送' },
  approved: { label: '已批准移送', receiver: 'case_agency', task: '向公安机关移送' },
  transferred: { label: '已移送待签收', receiver: 'case_police', task: '签收移送案件' },
  accepted: { label: '已受理待决定', receiver: 'case_police', task: '审查并决定是否立案' },
  supplement_requested: { label: '待补正材料', receiver: 'case_agency', task: '补正移送材料' },
  filed: { label: '已立案待移交', receiver: 'case_agency', task: '移交涉案物品和材料' },
  handed_over: { label: '侦查中', receiver: 'case_police', task: '侦查并告知进展' },
  not_filed: { label: '不予立案', receiver: 'case_agency', task: '决定是否申请复议或建议立案监督' },
  reconsideration_requested: { label: '复议中', receiver: 'case_police', task: '作出复议决定' },
  reconsideration_upheld: { label: '复议维持不予立案', receiver: 'case_agency', task: '决定是否建议立案监督' },
  supervision_requested: { label: '提请立案监督', receiver: 'filing_procuratorate', task: '审查立案监督建议' },
  reasons_demanded: { label: '要求说明不立案理由', receiver: 'case_police', task: '说明不立案理由' },
  reasons_given: { label: '已说明不立案理由', receiver: 'filing_procuratorate', task: '审查不立案理由' },
  filing_ordered: { label: '通知立案', receiver: 'case_police', task: '依通知立案' },
  not_police_matter: { label: '非公安管辖退回', receiver: 'case_agency', task: '移送主管机关或依法处理' },
  sent_back: { label: '公安退回行政处理', receiver: 'case_agency', task: '依法作出行政处理' },
  administrative_handling: { label: '行政处理中', receiver: 'case_agency', task: '依法作出行政处理（不得以罚代刑）' },
  prosecution_review: { label: '审查起诉', receiver: 'filing_procuratorate', task: '作出起诉或不起诉决定' },
  opinion_issued: { label: '检察意见待回复', receiver: 'case_agency', task: '回复检察意见' },
  transfer_suggested: { label: '检察院建议移送', receiver: 'case_agency', task: '移送或说明不移送的理由' },
  penalty_only: { label: '行政处罚（未移送）', receiver: 'case_agency', task: '办结行政处罚案件' },
  closed: { label: '已办结', receiver: null, terminal: true },
} as const satisfies Record<string, StateDef>;

export type StateKey = keyof typeof STATES;
export const INITIAL_STATE: StateKey = 'draft';

export const TRANSITIONS = {
  submit_report: {
    label: '提交移送报告', from: ['draft'], to: 'pending_approval', roles: AGENCY,
    requires: [{ type: 'transfer_report', label: '移送涉嫌犯罪案件的书面报告' }], deadline: 'head_approval',
    basis: '310号令第五条',
  },
  record_penalty: {
    label: '登记为行政处罚案件（不移送）', from: ['draft'], to: 'penalty_only', roles: AGENCY, needs: ['reason'],
    basis: '有案必录：行政处罚案件录入平台，供检察院监督（310号令第十四条）',
  },
  approve_transfer: {
    label: '批准移送', from: ['pending_approval'], to: 'approved', roles: AGENCY_HEAD, deadline: 'transfer_after_approval',
    basis: '310号令第五条',
  },
  refuse_transfer: {
    label: '不批准移送', from: ['pending_approval'], to: 'administrative_handling', roles: AGENCY_HEAD, needs: ['reason'],
    basis: '310号令第五条：决定不批准的，应当将不予批准的理由记录在案',
  },
  transfer: {
    label: '移送公安机关并备案', from: ['approved'], to: 'transferred', roles: AGENCY,
    requires: [
      { type: 'transfer_letter', label: '涉嫌犯罪案件移送书' },
      { type: 'investigation_report', label: '涉嫌犯罪案件情况的调查报告' },
      { type: 'evidence_list', label: '涉案物品清单' },
      { type: 'expert_report', label: '有关检验报告或者鉴定结论' },
      { type: 'other', label: '其他有关涉嫌犯罪的材料' },
    ],
    effects: ['assign_routing_police', 'create_filing'],
    basis: '310号令第五条、第六条；移送同时抄送同级人民检察院备案',
  },
  sign_receipt: {
    label: '签收（回执）', from: ['transferred'], to: 'accepted', roles: POLICE,
    requires: [{ type: 'receipt', label: '回执' }], deadline: 'police_decision',
    basis: '310号令第七条：公安机关对移送的案件应当在涉嫌犯罪案件移送书的回执上签字',
  },
  forward_to_competent: {
    label: '转送有管辖权的公安机关', from: ['transferred', 'accepted'], to: 'transferred', roles: POLICE,
    needs: ['policeOrgId'], requires: [{ type: 'notice', label: '书面告知移送机关的通知' }],
    effects: ['assign_chosen_police'],
    basis: '310号令第七条；公安机关办理刑事案件程序规定第一百七十五条：不属于本机关管辖的，应当在24小时内转送有管辖权的机关，并书面告知移送机关',
  },
  not_police_matter: {
    label: '不属于公安机关职责，退回', from: ['transferred', 'accepted'], to: 'not_police_matter', roles: POLICE, needs: ['reason'],
    requires: [{ type: 'notice', label: '告知书' }],
    basis: '公安机关办理刑事案件程序规定第一百八十条第三款',
  },
  request_supplement: {
    label: '要求补正材料', from: ['accepted'], to: 'supplement_requested', roles: POLICE, needs: ['reason'], deadline: 'supplement',
    basis: '公安机关办理刑事案件程序规定第一百八十条第二款：不得以材料不全为由不接受移送案件',
  },
  supplement: {
    label: '补正材料', from: ['supplement_requested'], to: 'accepted', roles: AGENCY,
    requires: [{ type: 'other', label: '补正的材料' }], deadline: 'police_decision',
    basis: '公安机关办理刑事案件程序规定第一百八十条第二款',
  },
  decide_file: {
    label: '立案', from: ['accepted'], to: 'filed', roles: POLICE_HEAD,
    requires: [{ type: 'notice', label: '立案通知书' }], deadline: 'handover',
    basis: '310号令第八条；公安机关办理刑事案件程序规定第一百八十条',
  },
  decide_not_file: {
    label: '不予立案', from: ['accepted'], to: 'not_filed', roles: POLICE_HEAD, needs: ['reason'],
    requires: [{ type: 'notice', label: '不予立案通知书' }], deadline: 'reconsideration_request',
    basis: '310号令第八条：不予立案的，应当说明理由，通知移送机关并退回案卷材料',
  },
  hand_over: {
    label: '移交涉案物品和材料', from: ['filed'], to: 'handed_over', roles: AGENCY,
    requires: [{ type: 'handover_list', label: '交接清单' }], deadline: 'investigation_progress',
    basis: '310号令第十二条',
  },
  request_reconsideration: {
    label: '申请复议', from: ['not_filed'], to: 'reconsideration_requested', roles: AGENCY, needs: ['reason'],
    requires: [{ type: 'other', label: '复议申请书' }], deadline: 'reconsideration_decision',
    basis: '310号令第九条；公安机关办理刑事案件程序规定第一百八十一条',
  },
  uphold_not_filing: {
    label: '复议维持不予立案', from: ['reconsideration_requested'], to: 'reconsideration_upheld', roles: POLICE_HEAD, needs: ['reason'],
    requires: [{ type: 'notice', label: '复议决定书' }], deadline: 'supervision_request',
    basis: '310号令第九条；公安机关办理刑事案件程序规定第一百八十一条',
  },
  reverse_on_reconsideration: {
    label: '复议后决定立案', from: ['reconsideration_requested'], to: 'filed', roles: POLICE_HEAD,
    requires: [{ type: 'notice', label: '立案通知书' }], deadline: 'handover',
    basis: '公安机关办理刑事案件程序规定第一百八十一条',
  },
  request_supervision: {
    label: '建议人民检察院立案监督', from: ['not_filed', 'reconsideration_upheld'], to: 'supervision_requested', roles: AGENCY, needs: ['reason'],
    basis: '310号令第九条；人民检察院刑事诉讼规则第五百五十七条',
  },
  accept_not_filing: {
    label: '接受不予立案，依法作行政处理', from: ['not_filed', 'reconsideration_upheld'], to: 'administrative_handling', roles: AGENCY,
    basis: '310号令第十条、第十一条',
  },
  demand_reasons: {
    label: '要求说明不立案理由', from: ['supervision_requested'], to: 'reasons_demanded', roles: PROCURATOR,
    requires: [{ type: 'notice', label: '要求说明不立案理由通知书' }], deadline: 'police_reasons',
    basis: '刑事诉讼法第一百一十三条；人民检察院刑事诉讼规则第五百五十九条、第五百六十条',
  },
  decline_supervision: {
    label: '不予立案监督并告知执法机关', from: ['supervision_requested'], to: 'administrative_handling', roles: PROCURATOR, needs: ['reason'],
    basis: '人民检察院刑事诉讼规则第五百五十七条',
  },
  give_reasons: {
    label: '说明不立案理由', from: ['reasons_demanded'], to: 'reasons_given', roles: POLICE_HEAD, needs: ['reason'],
    requires: [{ type: 'other', label: '不立案理由说明书' }], deadline: 'review_reasons',
    basis: '公安机关办理刑事案件程序规定第一百八十二条',
  },
  order_filing: {
    label: '通知公安机关立案', from: ['reasons_given'], to: 'filing_ordered', roles: PROCURATOR,
    requires: [{ type: 'notice', label: '通知立案书' }], deadline: 'file_after_order',
    basis: '人民检察院刑事诉讼规则第五百六十一条',
  },
  accept_reasons: {
    label: '不立案理由成立，告知执法机关', from: ['reasons_given'], to: 'administrative_handling', roles: PROCURATOR, needs: ['reason'],
    basis: '人民检察院刑事诉讼规则第五百六十三条',
  },
  file_after_order: {
    label: '依通知立案', from: ['filing_ordered'], to: 'filed', roles: POLICE_HEAD,
    requires: [{ type: 'notice', label: '立案决定书' }], deadline: 'handover',
    basis: '人民检察院刑事诉讼规则第五百六十一条',
  },
  urge: {
    label: '催办 / 纠正意见', from: ['accepted', 'reasons_demanded', 'filing_ordered', 'handed_over'], to: 'same', roles: PROCURATOR,
    needs: ['urgeKind', 'reason'],
    basis: '人民检察院刑事诉讼规则第五百六十二条、第五百六十四条：逾期要求说明、纠正意见、纠正违法通知书、催办函',
  },
  report_dismissal: {
    label: '撤销案件（告知执法机关）', from: ['handed_over'], to: 'administrative_handling', roles: POLICE_HEAD, needs: ['reason'],
    requires: [{ type: 'notice', label: '撤销案件决定书' }],
    basis: '公安机关办理刑事案件程序规定第一百八十四条：3日内告知移送机关',
  },
  report_jurisdiction_transfer: {
    label: '移送管辖（告知执法机关）', from: ['handed_over'], to: 'handed_over', roles: POLICE, needs: ['policeOrgId'],
    requires: [{ type: 'notice', label: '移送管辖通知书' }], effects: ['assign_chosen_police'], deadline: 'investigation_progress',
    basis: '公安机关办理刑事案件程序规定第一百八十九条：3日内告知移送机关',
  },
  report_prosecution: {
    label: '移送审查起诉（告知执法机关）', from: ['handed_over'], to: 'prosecution_review', roles: POLICE_HEAD,
    requires: [{ type: 'notice', label: '起诉意见书' }],
    basis: '公安机关办理刑事案件程序规定第一百八十九条：3日内告知移送机关',
  },
  record_prosecution: {
    label: '提起公诉', from: ['prosecution_review'], to: 'closed', roles: PROCURATOR,
    basis: '刑事诉讼法第一百七十六条',
  },
  non_prosecution_opinion: {
    label: '不起诉并提出检察意见', from: ['prosecution_review'], to: 'opinion_issued', roles: PROCURATOR,
    requires: [{ type: 'notice', label: '不起诉决定书' }, { type: 'opinion', label: '检察意见书' }], deadline: 'opinion_reply',
    basis: '刑事诉讼法第一百七十七条第三款；人民检察院刑事诉讼规则第三百七十三条；人民检察院行刑反向衔接工作指引第十二条',
  },
  reply_opinion: {
    label: '回复检察意见', from: ['opinion_issued'], to: 'closed', roles: AGENCY, needs: ['reason'],
    basis: '最高人民检察院关于推进行政执法与刑事司法衔接工作的规定',
  },
  send_back: {
    label: '不构成犯罪，退回执法机关处理', from: ['transferred', 'accepted'], to: 'sent_back', roles: POLICE_HEAD, needs: ['reason'],
    requires: [{ type: 'notice', label: '退回通知书' }],
    basis: '310号令第十三条；公安机关办理刑事案件程序规定第一百七十七条',
  },
  close_administratively: {
    label: '行政处理办结', from: ['administrative_handling', 'sent_back', 'not_police_matter', 'penalty_only'], to: 'closed', roles: AGENCY,
    needs: ['reason'],
    basis: '310号令第十条、第十一条；行政处罚法第八十二条（不得以罚代刑）',
  },
  suggest_transfer: {
    label: '建议移送（检察意见）', from: ['penalty_only', 'administrative_handling'], to: 'transfer_suggested', roles: PROCURATOR, needs: ['reason'],
    requires: [{ type: 'opinion', label: '检察意见书' }], deadline: 'suggestion_answer',
    basis: '人民检察院刑事诉讼规则第五百五十七条；310号令第十四条',
  },
  accept_suggestion: {
    label: '接受建议，报请移送', from: ['transfer_suggested'], to: 'pending_approval', roles: AGENCY,
    requires: [{ type: 'transfer_report', label: '移送涉嫌犯罪案件的书面报告' }], deadline: 'head_approval',
    basis: '310号令第五条、第十四条',
  },
  explain_no_transfer: {
    label: '说明不移送的理由', from: ['transfer_suggested'], to: 'penalty_only', roles: AGENCY, needs: ['reason'],
    basis: '人民检察院刑事诉讼规则第五百五十七条',
  },
  refer_lead: {
    label: '移送职务违法犯罪线索', from: [
      'draft', 'pending_approval', 'approved', 'transferred', 'accepted', 'supplement_requested', 'filed', 'handed_over', 'not_filed',
      'reconsideration_requested', 'reconsideration_upheld', 'supervision_requested', 'reasons_demanded', 'reasons_given',
      'filing_ordered', 'not_police_matter', 'sent_back', 'administrative_handling', 'prosecution_review', 'opinion_issued',
      'transfer_suggested', 'penalty_only',
    ],
    to: 'same', roles: ['agency_officer', 'agency_head', 'police_officer', 'police_head', 'procurator'], needs: ['reason'],
    effects: ['lead_to_supervisory'], alsoNotify: ['routing_supervisory'],
    basis: '310号令第十八条、第十九条',
  },
} as const satisfies Record<string, TransitionDef>;

export type TransitionKey = keyof typeof TRANSITIONS;

export const URGE_KINDS = ['要求说明逾期原因', '纠正意见', '纠正违法通知书', '催办函'] as const;

/** The actions a role may take in a state (labels for clients; the backend checks the rest). */
export function availableTransitions(state: StateKey, roles: readonly Role[]): TransitionKey[] {
  return (Object.keys(TRANSITIONS) as TransitionKey[]).filter((key) => {
    const t: TransitionDef = TRANSITIONS[key];
    return t.from.includes(state) && t.roles.some((r) => roles.includes(r));
  });
}
