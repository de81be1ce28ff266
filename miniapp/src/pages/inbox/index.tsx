import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { API } from '@lfxj/contracts'

import { ApiRequestError, PAGES, apiGet, type LoginUser } from '../../api'
import TaskCard from '../../components/TaskCard'
import UserBar from '../../components/UserBar'
import type { Inbox, TaskView } from '../../lib/model'
import { refreshNoticeBadge, requireSession } from '../../lib/session'
import './index.css'

const PAGE_SIZE = 30

/** 待办: my organisation's open tasks, most urgent first (the backend orders them by due time). */
export default function InboxPage() {
  const [user, setUser] = useState<LoginUser | null>(null)
  const [inbox, setInbox] = useState<Inbox | null>(null)
  const [items, setItems] = useState<TaskView[]>([])
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)

  const load = useCallback(async (page = 1) => {
    setLoading(true)
    try {
      const res = await apiGet<Inbox>(API.cases.inbox, undefined, { page, pageSize: PAGE_SIZE })
      setInbox(res)
      setItems((prev) => (page === 1 ? res.items : [...prev, ...res.items]))
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
    void load(1)
    void refreshNoticeBadge()
  })

  usePullDownRefresh(() => {
    void load(1).finally(() => Taro.stopPullDownRefresh())
  })

  const open = (t: TaskView) => void Taro.navigateTo({ url: `${PAGES.caseDetail}?id=${t.caseId}` })

  return (
    <View className='page inbox'>
      <UserBar user={user} />
      <View className='inbox__counts'>
        <View className='inbox__count inbox__count--overdue'>
          <Text className='inbox__count-num inbox-overdue'>{inbox?.overdueCount ?? '–'}</Text>
          <Text className='inbox__count-label'>已逾期</Text>
        </View>
        <View className='inbox__count inbox__count--soon'>
          <Text className='inbox__count-num inbox-soon'>{inbox?.dueSoonCount ?? '–'}</Text>
          <Text className='inbox__count-label'>24小时内到期</Text>
        </View>
        <View className='inbox__count'>
          <Text className='inbox__count-num inbox-total'>{inbox?.total ?? '–'}</Text>
          <Text className='inbox__count-label'>全部待办</Text>
        </View>
      </View>

      {error && <Text className='error-box'>{error}</Text>}
      {inbox && items.length === 0 && <Text className='empty'>暂无待办事项</Text>}
      {items.map((t) => (
        <TaskCard key={t.id} task={t} showCase onOpen={() => open(t)} />
      ))}
      {inbox && items.length < inbox.total && (
        <Button className='btn' loading={loading || undefined} onClick={() => void load(inbox.page + 1)}>加载更多</Button>
      )}
    </View>
  )
}
