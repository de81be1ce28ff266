import { useMemo, useState } from 'react'
import { Alert, Card, Input, Select, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import {
  API, DEADLINE_RULES, DOC_TYPES, PARTY_LABELS, RECEIVER_PARTY, ROLES, STATES, TRANSITIONS,
  type DeadlineRuleDef, type PayloadNeed, type StateDef, type StateKey, type TransitionDef, type TransitionKey,
} from '@lfxj/contracts'

/* Everything on this page is read from the contract: the same data the backend enforces. */

const UNIT_LABELS: Record<DeadlineRuleDef['unit'], string> = { hours: '小时', days: '日', working_days: '个工作日', months: '个月' }

type Described = { description?: string; unwrap?: () => Described }
const actShape = (API.cases.act.body as unknown as { shape: Record<PayloadNeed, Described> }).shape
/** The Chinese label of an action's extra input, as the API contract describes the field. */
const needLabel = (need: PayloadNeed) => actShape[need]?.description ?? actShape[need]?.unwrap?.().description ?? need

const STATE_KEYS = Object.keys(STATES) as StateKey[]
const TRANSITION_KEYS = Object.keys(TRANSITIONS) as TransitionKey[]
const RULES = new Map<string, DeadlineRuleDef>(DEADLINE_RULES.map((r) => [r.key, r]))

const stateDef = (key: StateKey): StateDef => STATES[key]
const transitionDef = (key: TransitionKey): TransitionDef => TRANSITIONS[key]
const period = (r: { amount: number; unit: DeadlineRuleDef['unit'] }) => `${r.amount}${UNIT_LABELS[r.unit]}`

function RuleCell({ ruleKey }: { ruleKey?: string }) {
  const rule = ruleKey ? RULES.get(ruleKey) : undefined
  if (!rule) return <Typography.Text type='secondary'>期限：—</Typography.Text>
  return (
    <Space orientation='vertical' size={2}>
      <span>
        期限：<Typography.Text strong>{rule.label}</Typography.Text>，{period(rule)}
        {rule.unverified && <Tag color='orange' style={{ marginLeft: 6 }}>待核</Tag>}
      </span>
      <Typography.Text type='secondary' style={{ fontSize: 12 }}>{rule.basis}</Typography.Text>
    </Space>
  )
}

interface StateRow { key: StateKey; def: StateDef; actions: TransitionKey[] }
interface TransitionRow { key: TransitionKey; def: TransitionDef }

const stateRows: StateRow[] = STATE_KEYS.map((key) => ({
  key, def: stateDef(key), actions: TRANSITION_KEYS.filter((t) => (transitionDef(t).from as readonly StateKey[]).includes(key)),
}))
const transitionRows: TransitionRow[] = TRANSITION_KEYS.map((key) => ({ key, def: transitionDef(key) }))

const stateColumns: ColumnsType<StateRow> = [
  {
    title: '节点（状态）', key: 'label', width: 200,
    render: (_v, r) => (
      <Space orientation='vertical' size={0}>
        <Typography.Text strong>{r.def.label}</Typography.Text>
        <Typography.Text type='secondary' style={{ fontSize: 12 }}>{r.key}</Typography.Text>
      </Space>
    ),
  },
  {
    title: '下一步办理方', key: 'receiver', width: 150,
    render: (_v, r) => (r.def.receiver ? <Tag color='blue'>{PARTY_LABELS[RECEIVER_PARTY[r.def.receiver]]}</Tag> : <Tag>办结</Tag>),
  },
  { title: '待办事项', key: 'task', render: (_v, r) => r.def.task ?? '—' },
  {
    title: '可执行的操作', key: 'actions',
    render: (_v, r) => (r.actions.length ? r.actions.map((t) => <Tag key={t}>{transitionDef(t).label}</Tag>) : '—'),
  },
]

const transitionColumns: ColumnsType<TransitionRow> = [
  {
    title: '操作', key: 'label', width: 190,
    render: (_v, r) => (
      <Space orientation='vertical' size={2}>
        <Typography.Text strong>{r.def.label}</Typography.Text>
        <Typography.Text type='secondary' style={{ fontSize: 12 }}>{r.key}</Typography.Text>
        {r.def.needs?.length ? <span>须填写：{r.def.needs.map((n) => <Tag key={n}>{needLabel(n)}</Tag>)}</span> : null}
      </Space>
    ),
  },
  {
    title: '流转', key: 'flow', width: 200,
    render: (_v, r) => (
      <span>
        {r.def.from.map((s) => stateDef(s).label).join('、')}
        <Typography.Text type='secondary'> → </Typography.Text>
        <Typography.Text strong>{r.def.to === 'same' ? '（状态不变）' : stateDef(r.def.to).label}</Typography.Text>
      </span>
    ),
  },
  {
    title: '角色', key: 'roles', width: 150,
    render: (_v, r) => r.def.roles.map((role) => <Tag key={role} style={{ marginBottom: 4 }}>{ROLES[role]}</Tag>),
  },
  {
    title: '必需文书', key: 'requires', width: 240,
    render: (_v, r) => (r.def.requires?.length ? (
      <ol style={{ margin: 0, paddingLeft: 18 }}>
        {r.def.requires.map((d) => (
          <li key={`${d.type}-${d.label}`}>
            {d.label}
            {DOC_TYPES[d.type] !== d.label && <Typography.Text type='secondary'>（{DOC_TYPES[d.type]}）</Typography.Text>}
          </li>
        ))}
      </ol>
    ) : <Typography.Text type='secondary'>—</Typography.Text>),
  },
  {
    title: '法律依据与期限（下一办理方）', key: 'basis',
    render: (_v, r) => (
      <Space orientation='vertical' size={6}>
        <Typography.Text style={{ fontSize: 13 }}>{r.def.basis}</Typography.Text>
        <RuleCell ruleKey={r.def.deadline} />
      </Space>
    ),
  },
]

const ruleColumns: ColumnsType<DeadlineRuleDef> = [
  { title: '期限规则', key: 'label', width: 220, render: (_v, r) => <Typography.Text strong>{r.label}</Typography.Text> },
  { title: '期限', key: 'period', width: 90, render: (_v, r) => period(r) },
  { title: '节假日顺延', key: 'rollover', width: 100, render: (_v, r) => (r.rolloverOnRestDay ? '是' : '否') },
  { title: '法律依据', key: 'basis', dataIndex: 'basis' },
  {
    title: '经批准延长', key: 'extensions', width: 280,
    render: (_v, r) => (r.extensions?.length
      ? r.extensions.map((x) => <div key={x.key}>{x.label}：共{x.totalAmount}{UNIT_LABELS[x.unit]}（{ROLES[x.approverRole]}批准）</div>)
      : '—'),
  },
  { title: '核实', key: 'unverified', width: 80, render: (_v, r) => (r.unverified ? <Tag color='orange'>待核</Tag> : <Tag color='green'>已核</Tag>) },
]

/** 流程定义: the process as data, read-only. */
export default function ProcessPage() {
  const [q, setQ] = useState('')
  const [state, setState] = useState<StateKey | undefined>()
  const shown = useMemo(() => transitionRows.filter((r) =>
    (!q || r.def.label.includes(q) || r.key.includes(q)) && (!state || (r.def.from as readonly StateKey[]).includes(state))), [q, state])

  return (
    <Space orientation='vertical' size='large' style={{ width: '100%' }}>
      <Alert
        type='info'
        showIcon
        title='流程定义（只读）'
        description='以下节点、操作、必需文书与期限规则来自平台的流程定义（contracts），后端据此校验每一步操作；期限的天数由管理员在期限规则中维护，每个案件保留其适用的规则版本。'
      />
      <Card title={`节点（${stateRows.length}）`} className='process-states'>
        <Table<StateRow> rowKey='key' size='small' columns={stateColumns} dataSource={stateRows} pagination={false} />
      </Card>
      <Card
        title={`操作与流转（${transitionRows.length}）`}
        className='process-transitions'
        extra={(
          <Space>
            <Select<StateKey>
              allowClear
              placeholder='按起始节点筛选'
              style={{ width: 200 }}
              value={state}
              onChange={setState}
              options={STATE_KEYS.map((k) => ({ value: k, label: stateDef(k).label }))}
            />
            <Input.Search allowClear placeholder='搜索操作' style={{ width: 200 }} onSearch={setQ} onChange={(e) => !e.target.value && setQ('')} />
          </Space>
        )}
      >
        <Table<TransitionRow> rowKey='key' size='small' columns={transitionColumns} dataSource={shown} pagination={false} scroll={{ x: 1100 }} />
      </Card>
      <Card title={`期限规则（默认值，${DEADLINE_RULES.length}）`} className='process-rules'>
        <Table<DeadlineRuleDef> rowKey='key' size='small' columns={ruleColumns} dataSource={[...DEADLINE_RULES]} pagination={false} />
      </Card>
    </Space>
  )
}
