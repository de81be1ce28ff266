import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { API } from '@lfxj/contracts'

import { ApiRequestError, PAGES, apiGet, apiPost } from '../../api'
import type { NotificationView, Notifications } from '../../lib/model'
import { refreshNoticeBadge, requireSession } from '../../lib/session'
import { shanghaiTime } from '../../lib/time'
import './index.css'

const PAGE_SIZE = 30

/** 通报: what the other parties did on my organisation's cases; unread ones are marked. */
export default function NoticesPage() {
  const [result, setResult] = useState<Notifications | null>(null)
  const [items, setItems] = useState<NotificationView[]>([])
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)

  const load = useCallback(async (page = 1) => {
    setLoading(true)
    try {
      const res = await apiGet<Notifications>(API.cases.notifications, undefined, { page, pageSize: PAGE_SIZE })
      setResult(res)
      setItems((prev) => (page === 1 ? res.items : [...prev, ...res.items]))
      setError('')
      void refreshNoticeBadge()
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '加载失败，请稍后重试')
    } finally {
      setLoading(false)
    }
  }, [])

  useDidShow(() => {
    if (requireSession()) void load(1)
  })
  usePullDownRefresh(() => {
    void load(1).finally(() => Taro.stopPullDownRefresh())
  })

  const markRead = async (n: NotificationView) => {
    if (n.read) return
    await apiPost(API.cases.readNotification, { id: n.id }, {})
    setItems((prev) => prev.map((x) => (x.id === n.id ? { ...x, read: true } : x)))
    setResult((r) => (r ? { ...r, unreadCount: Math.max(0, r.unreadCount - 1) } : r))
  }

  const open = async (n: NotificationView) => {
    try {
      await markRead(n)
    } catch {
      // Reading the case matters more than the marker.
    }
    void refreshNoticeBadge()
    void Taro.navigateTo({ url: `${PAGES.caseDetail}?id=${n.caseId}` })
  }

  const readAll = async () => {
    try {
      for (const n of items) if (!n.read) await markRead(n)
      void refreshNoticeBadge()
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '操作失败，请稍后重试')
    }
  }

  return (
    <View className='page notices'>
      <View className='row notices__head'>
        <Text className='text'>
          未读 <Text className={result?.unreadCount ? 'danger notices-unread' : 'notices-unread'}>{result?.unreadCount ?? '–'}</Text> 条
          {result ? `，共 ${result.total} 条` : ''}
        </Text>
        {!!result?.unreadCount && <Text className='link' onClick={readAll}>全部标为已读</Text>}
      </View>
      {error && <Text className='error-box'>{error}</Text>}
      {result && items.length === 0 && <Text className='empty'>暂无通报</Text>}
      {items.map((n) => (
        <View key={n.id} className={`card notice${n.read ? '' : ' notice--unread'}`} onClick={() => void open(n)}>
          <View className='row row--start'>
            {!n.read && <View className='notice__dot' />}
            <Text className='notice__title grow'>{n.title}</Text>
            {!n.read && <Text className='tag tag--red'>未读</Text>}
          </View>
          <Text className='notice__body'>{n.body}</Text>
          <View className='row notice__meta'>
            <Text className='muted'>{n.platformNo}</Text>
            <Text className='muted'>{shanghaiTime(n.createdAt)}</Text>
          </View>
        </View>
      ))}
      {result && items.length < result.total && (
        <Button className='btn' loading={loading || undefined} onClick={() => void load(result.page + 1)}>加载更多</Button>
      )}
    </View>
  )
}
