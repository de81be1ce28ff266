import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { Button, Input, Picker, Switch, Text, View } from '@tarojs/components'
import { API, STATES, type StateKey } from '@lfxj/contracts'

import { ApiRequestError, PAGES, apiGet, type LoginUser } from '../../api'
import CaseCard from '../../components/CaseCard'
import { CASE_CREATOR_ROLES, type CaseSearch, type CaseSummary } from '../../lib/model'
import { requireSession } from '../../lib/session'
import './index.css'

const PAGE_SIZE = 20
const STATE_KEYS = Object.keys(STATES) as StateKey[]
const STATE_OPTIONS = ['全部状态', ...STATE_KEYS.map((k) => STATES[k].label)]

interface Filters {
  no: string
  party: string
  state: StateKey | ''
  overdue: boolean
}

/** 案件: the cases my organisation is a party to, searchable by number, party, state and overdue. */
export default function CasesPage() {
  const [user, setUser] = useState<LoginUser | null>(null)
  const [filters, setFilters] = useState<Filters>({ no: '', party: '', state: '', overdue: false })
  const [result, setResult] = useState<CaseSearch | null>(null)
  const [items, setItems] = useState<CaseSummary[]>([])
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)

  /** `cursor`: the next page after the last one shown (keyset paging); none for a new search. */
  const load = useCallback(async (f: Filters, cursor?: string) => {
    setLoading(true)
    try {
      const res = await apiGet<CaseSearch>(API.cases.list, undefined, {
        pageSize: PAGE_SIZE, no: f.no.trim(), party: f.party.trim(), state: f.state, overdue: f.overdue ? 'true' : undefined, cursor,
      })
      setResult(res)
      setItems((prev) => (cursor ? [...prev, ...res.items] : res.items))
      setError('')
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '加载失败，请稍后重试')
    } finally {
      setLoading(false)
    }
  }, [])

  useDidShow(() => {
    const u = requireSession()
    if (!u) return
    setUser(u)
    void load(filters)
  })
  usePullDownRefresh(() => {
    void load(filters).finally(() => Taro.stopPullDownRefresh())
  })

  const update = (patch: Partial<Filters>, reload = false) => {
    const next = { ...filters, ...patch }
    setFilters(next)
    if (reload) void load(next)
  }
  const canCreate = !!user?.roles.some((r) => CASE_CREATOR_ROLES.includes(r))

  return (
    <View className='page cases'>
      <View className='card cases__filters'>
        <Input className='field__input' placeholder='平台编号或执法机关案件编号' value={filters.no} maxlength={64}
          onInput={(e) => update({ no: e.detail.value })} onConfirm={() => void load(filters)} />
        <Input className='field__input' style={{ marginTop: '16px' }} placeholder='当事人名称' value={filters.party} maxlength={100}
          onInput={(e) => update({ party: e.detail.value })} onConfirm={() => void load(filters)} />
        <View className='cases__filter-row'>
          <Picker mode='selector' range={STATE_OPTIONS} value={filters.state ? STATE_KEYS.indexOf(filters.state) + 1 : 0}
            onChange={(e) => {
              const i = Number(e.detail.value)
              update({ state: i === 0 ? '' : STATE_KEYS[i - 1] }, true)
            }}>
            <View className='field__picker'>
              <Text>{filters.state ? STATES[filters.state].label : '全部状态'}</Text>
              <Text className='muted'>▾</Text>
            </View>
          </Picker>
          <View className='cases__switch'>
            <Text>仅逾期</Text>
            <Switch checked={filters.overdue} color='#d83931' onChange={(e) => update({ overdue: e.detail.value }, true)} />
          </View>
        </View>
        <View className='cases__actions'>
          <Button className='btn-small' type='primary' size='mini' onClick={() => void load(filters)}>查询</Button>
          {canCreate && (
            <Button className='btn-small' size='mini' onClick={() => void Taro.navigateTo({ url: PAGES.caseNew })}>登记案件</Button>
          )}
        </View>
      </View>

      {error && <Text className='error-box'>{error}</Text>}
      {result && <Text className='muted cases__total'>共 {result.total}{result.totalIsLowerBound ? '+' : ''} 件</Text>}
      {result && items.length === 0 && <Text className='empty'>没有符合条件的案件</Text>}
      {items.map((c) => (
        <CaseCard key={c.id} item={c} onOpen={() => void Taro.navigateTo({ url: `${PAGES.caseDetail}?id=${c.id}` })} />
      ))}
      {result?.nextCursor && (
        <Button className='btn' loading={loading || undefined} onClick={() => void load(filters, result.nextCursor ?? undefined)}>加载更多</Button>
      )}
    </View>
  )
}
