import Taro from '@tarojs/taro'
import { API } from '@lfxj/contracts'

import { PAGES, apiGet, currentUser, mustChangePassword, type LoginUser } from '../api'
import type { Notifications } from './model'

/** Tab pages call this first: the user must be logged in with a password of their own. */
export function requireSession(): LoginUser | null {
  const user = currentUser()
  if (!user) {
    void Taro.reLaunch({ url: PAGES.login })
    return null
  }
  if (mustChangePassword()) {
    void Taro.reLaunch({ url: PAGES.password })
    return null
  }
  return user
}

/** The red number on the 通报 tab. */
export async function refreshNoticeBadge(): Promise<number> {
  try {
    const res = await apiGet<Notifications>(API.cases.notifications, undefined, { unread: 'true', pageSize: 1 })
    if (res.unreadCount > 0) await Taro.setTabBarBadge({ index: 2, text: res.unreadCount > 99 ? '99+' : String(res.unreadCount) })
    else await Taro.removeTabBarBadge({ index: 2 })
    return res.unreadCount
  } catch {
    return 0
  }
}
