import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'

import { PAGES, logout, type LoginUser } from '../api'
import './UserBar.css'

/** Who is logged in, for which organisation; change password; log out. */
export default function UserBar({ user }: { user: LoginUser | null }) {
  if (!user) return null
  const leave = async () => {
    await logout()
    void Taro.reLaunch({ url: PAGES.login })
  }
  return (
    <View className='userbar'>
      <View className='grow'>
        <Text className='userbar__name'>{user.displayName}</Text>
        <Text className='userbar__org'>{user.orgName}</Text>
      </View>
      <Text className='link userbar__action' onClick={() => void Taro.navigateTo({ url: PAGES.password })}>修改密码</Text>
      <Text className='link userbar__action userbar__logout' onClick={leave}>退出登录</Text>
    </View>
  )
}
