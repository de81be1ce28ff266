import { useState } from 'react'
import Taro, { useLoad } from '@tarojs/taro'
import { Button, Input, Text, View } from '@tarojs/components'
import { passwordProblems } from '@lfxj/contracts'

import { ApiRequestError, PAGES, changePassword, currentUser, mustChangePassword, type LoginUser } from '../../api'
import { CASE_WORKER_ROLES } from '../../lib/model'
import './index.css'

/** Change the password: forced after a temporary one, with the contract's rules shown as the user types. */
export default function PasswordPage() {
  const [user, setUser] = useState<LoginUser | null>(null)
  const [forced, setForced] = useState(false)
  const [oldPassword, setOldPassword] = useState('')
  const [newPassword, setNewPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)
  const [done, setDone] = useState(false)

  useLoad(() => {
    const u = currentUser()
    if (!u) {
      void Taro.reLaunch({ url: PAGES.login })
      return
    }
    setUser(u)
    setForced(mustChangePassword())
  })

  const problems = newPassword ? passwordProblems(newPassword, user?.username ?? '') : []
  const mismatch = confirm !== '' && confirm !== newPassword

  const submit = async () => {
    if (loading || !user) return
    if (!oldPassword) return setError('请输入原密码')
    const now = passwordProblems(newPassword, user.username)
    if (now.length) return setError(`新密码不符合规则：${now.join('；')}`)
    if (newPassword !== confirm) return setError('两次输入的新密码不一致')
    setError('')
    setLoading(true)
    try {
      const body = await changePassword(oldPassword, newPassword)
      setOldPassword('')
      setNewPassword('')
      setConfirm('')
      if (body.user.roles.some((r) => CASE_WORKER_ROLES.includes(r))) {
        void Taro.showToast({ title: '密码已修改', icon: 'success' })
        void Taro.switchTab({ url: PAGES.inbox })
      } else {
        setDone(true)
      }
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '修改失败，请稍后重试')
    } finally {
      setLoading(false)
    }
  }

  return (
    <View className='page'>
      <View className='card'>
        <View className='password__head'>
          <Text className='password__welcome'>欢迎，{user?.displayName ?? ''}</Text>
          <Text className='password__org'>{user?.orgName ?? ''}</Text>
          {forced && !done && <Text className='password__notice'>请先修改临时密码</Text>}
        </View>

        {done ? (
          <Text className='empty'>密码已修改。本账号不办理案件，请使用平台管理后台。</Text>
        ) : (
          <View>
            <Text className='field__label'>{forced ? '临时密码' : '原密码'}</Text>
            <Input className='field__input pw-old' password placeholder='请输入原密码' value={oldPassword} maxlength={128}
              onInput={(e) => setOldPassword(e.detail.value)} />

            <Text className='field__label'>新密码</Text>
            <Input className='field__input pw-new' password placeholder='请输入新密码' value={newPassword} maxlength={128}
              onInput={(e) => setNewPassword(e.detail.value)} />
            <View className='password__rules'>
              {newPassword === '' && (
                <Text className='password__rule muted'>至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不得包含用户名</Text>
              )}
              {problems.map((p) => (
                <Text key={p} className='password__rule danger'>✗ {p}</Text>
              ))}
              {newPassword !== '' && problems.length === 0 && <Text className='password__rule ok'>✓ 符合密码规则</Text>}
            </View>

            <Text className='field__label'>确认新密码</Text>
            <Input className='field__input pw-confirm' password placeholder='请再次输入新密码' value={confirm} maxlength={128}
              onInput={(e) => setConfirm(e.detail.value)} onConfirm={submit} />
            {mismatch && <Text className='password__rule danger'>两次输入的新密码不一致</Text>}

            {error && <Text className='error-box'>{error}</Text>}

            <Button className='btn pw-submit' type='primary' loading={loading || undefined} disabled={loading || undefined} onClick={submit}>
              确认修改
            </Button>
          </View>
        )}
      </View>
    </View>
  )
}
