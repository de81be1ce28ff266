import { useCallback, useEffect, useState } from 'react'
import { Alert, Card, Input, Select, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import {
  API, ENFORCEMENT_DOMAINS, REG_CATEGORIES, REG_STATUSES,
  type EnforcementDomain, type RegCategory, type RegStatus, type regulationView,
} from '@lfxj/contracts'

import { ApiError, apiGet, type Out } from '../api'

type Regulation = Out<typeof regulationView>
interface Result { items: Regulation[]; total: number; page: number; pageSize: number }
interface Filters { q: string; category?: RegCategory; status?: RegStatus; domain?: EnforcementDomain; page: number; pageSize: number }

type Described = { description?: string; unwrap?: () => Described }
const queryShape = (API.regulations.list.query as unknown as { shape: Record<string, Described> }).shape
/** Filter labels as the API contract describes its query fields. */
const label = (field: string) => queryShape[field]?.description ?? queryShape[field]?.unwrap?.().description ?? field

const STATUS_COLORS: Record<RegStatus, string> = { 现行有效: 'green', 已修改: 'orange', 已废止: 'red' }

const columns: ColumnsType<Regulation> = [
  {
    title: '标题', dataIndex: 'title', key: 'title',
    render: (title: string, r) => (
      <Space orientation='vertical' size={0}>
        <Typography.Text strong>{title}</Typography.Text>
        {r.unverified && <Tag color='orange'>待核实</Tag>}
      </Space>
    ),
  },
  { title: '效力位阶', dataIndex: 'category', key: 'category', width: 100 },
  { title: '制定机关', key: 'issuers', width: 170, render: (_v, r) => r.issuers.map((o) => o.name).join('、') },
  { title: '文号', dataIndex: 'docNumber', key: 'docNumber', width: 170, render: (v: string | null) => v ?? '—' },
  { title: '发布日期', dataIndex: 'issuedOn', key: 'issuedOn', width: 105, render: (v: string | null) => v ?? '—' },
  { title: '施行日期', dataIndex: 'effectiveOn', key: 'effectiveOn', width: 105, render: (v: string | null) => v ?? '—' },
  { title: '废止日期', dataIndex: 'repealedOn', key: 'repealedOn', width: 105, render: (v: string | null) => v ?? '—' },
  {
    title: '效力状态', dataIndex: 'status', key: 'status', width: 96,
    render: (v: RegStatus) => <Tag color={STATUS_COLORS[v]}>{v}</Tag>,
  },
]

/** 法律法规: the regulations library, searched by title, number and text. */
export default function RegulationsPage() {
  const [filters, setFilters] = useState<Filters>({ q: '', page: 1, pageSize: 10 })
  const [result, setResult] = useState<Result | null>(null)
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)

  const load = useCallback(async (f: Filters) => {
    setLoading(true)
    try {
      setResult(await apiGet<Result>(API.regulations.list, undefined, {
        q: f.q.trim(), category: f.category, status: f.status, domain: f.domain, page: f.page, pageSize: f.pageSize,
      }))
      setError('')
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '加载失败，请稍后重试')
    } finally {
      setLoading(false)
    }
  }, [])

  useEffect(() => {
    void load(filters)
  }, [filters, load])

  const update = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, page: 1, ...patch }))

  return (
    <Card
      title='法律法规库'
      extra={<Typography.Text type='secondary'>{result ? `共 ${result.total} 件` : ''}</Typography.Text>}
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={`${label('q')}：标题、文号或全文`}
          style={{ width: 320 }}
          onSearch={(q) => update({ q })}
          enterButton='搜索'
        />
        <Select<RegCategory>
          allowClear
          placeholder={label('category')}
          style={{ width: 180 }}
          value={filters.category}
          onChange={(category) => update({ category })}
          options={REG_CATEGORIES.map((c) => ({ value: c, label: c }))}
        />
        <Select<RegStatus>
          allowClear
          placeholder={label('status')}
          style={{ width: 140 }}
          value={filters.status}
          onChange={(status) => update({ status })}
          options={REG_STATUSES.map((s) => ({ value: s, label: s }))}
        />
        <Select<EnforcementDomain>
          allowClear
          placeholder={label('domain')}
          style={{ width: 160 }}
          value={filters.domain}
          onChange={(domain) => update({ domain })}
          options={ENFORCEMENT_DOMAINS.map((d) => ({ value: d, label: d }))}
        />
      </Space>
      {error && <Alert type='error' showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Regulation>
        rowKey='id'
        size='middle'
        loading={loading}
        columns={columns}
        dataSource={result?.items ?? []}
        scroll={{ x: 1080 }}
        expandable={{
          rowExpandable: (r) => !!(r.summary || r.note),
          expandedRowRender: (r) => (
            <Space orientation='vertical' size={4}>
              {r.summary && <Typography.Text>摘要：{r.summary}</Typography.Text>}
              {r.note && <Typography.Text type='secondary'>备注：{r.note}</Typography.Text>}
              {r.domains.length > 0 && <span>执法领域：{r.domains.map((d) => <Tag key={d}>{d}</Tag>)}</span>}
            </Space>
          ),
        }}
        pagination={{
          current: filters.page,
          pageSize: filters.pageSize,
          total: result?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50],
          showTotal: (total) => `共 ${total} 件`,
          onChange: (page, pageSize) => setFilters((f) => ({ ...f, page, pageSize })),
        }}
      />
    </Card>
  )
}
