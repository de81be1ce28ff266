import { useEffect, useState } from 'react'
import Taro, { useLoad } from '@tarojs/taro'
import { Button, Input, Text, View } from '@tarojs/components'

import { ApiRequestError, PAGES, currentUser, login, mustChangePassword, type LoginResponse } from '../../api'
import { CASE_WORKER_ROLES } from '../../lib/model'
import './index.css'

/** Seconds the server asked us to wait after login failures (a delay, 429, or the lock, 423). */
function waitOf(err: unknown): number {
  const seconds = err instanceof ApiRequestError ? (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds : undefined
  return typeof seconds === 'number' && seconds > 0 ? seconds : 0
}

const waitText = (seconds: number) => (seconds < 60 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`)

/** Where a logged-in user goes: the password page first, then the inbox (case workers only). */
function nextPage(user: LoginResponse['user'], mustChange: boolean): string | null {
  if (mustChange) return PAGES.password
  return user.roles.some((r) => CASE_WORKER_ROLES.includes(r)) ? PAGES.inbox : null
}

export default function Login() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)
  const [session, setSession] = useState<LoginResponse['user'] | null>(null)
  // After repeated failures the server answers with a wait: the button counts it down.
  const [waitUntil, setWaitUntil] = useState(0)
  const [now, setNow] = useState(() => Date.now())
  const remaining = Math.max(0, Math.ceil((waitUntil - now) / 1000))

  useEffect(() => {
    if (waitUntil <= Date.now()) return
    const timer = setInterval(() => setNow(Date.now()), 500)
    return () => clearInterval(timer)
  }, [waitUntil])

  const go = (user: LoginResponse['user'], mustChange: boolean) => {
    const next = nextPage(user, mustChange)
    if (next === PAGES.inbox) void Taro.switchTab({ url: next })
    else if (next) void Taro.redirectTo({ url: next })
    else setSession(user)
  }

  useLoad((params: Record<string, string | undefined>) => {
    if (params.msg) setError(decodeURIComponent(params.msg))
    const user = currentUser()
    if (user) go(user, mustChangePassword())
  })

  const submit = async () => {
    if (loading || remaining > 0) return
    const name = username.trim()
    if (!name) return setError('请输入用户名')
    if (!password) return setError('请输入密码')
    setError('')
    setLoading(true)
    try {
      const body = await login(name, password)
      setPassword('')
      go(body.user, body.mustChangePassword)
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '登录失败，请稍后重试')
      const wait = waitOf(err)
      if (wait) {
        setNow(Date.now())
        setWaitUntil(Date.now() + wait * 1000)
      }
    } finally {
      setLoading(false)
    }
  }

  if (session) {
    return (
      <View className='login'>
        <View className='login__card'>
          <Text className='login__title'>两法衔接平台</Text>
          <Text className='login__welcome'>欢迎，{session.displayName}</Text>
          <Text className='login__hint'>{session.orgName}</Text>
          <Text className='login__hint'>本账号不办理案件，请使用平台管理后台</Text>
        </View>
      </View>
    )
  }

  return (
    <View className='login'>
      <View className='login__card'>
        <Text className='login__title'>两法衔接平台</Text>
        <Text className='login__subtitle'>行政执法与刑事司法衔接</Text>

        <Text className='login__label'>用户名</Text>
        <Input
          className='login__input'
          type='text'
          placeholder='请输入用户名'
          value={username}
          maxlength={64}
          onInput={(e) => setUsername(e.detail.value)}
        />

        <Text className='login__label'>密码</Text>
        <Input
          className='login__input'
          password
          placeholder='请输入密码'
          value={password}
          maxlength={128}
          onInput={(e) => setPassword(e.detail.value)}
          onConfirm={submit}
        />

        {error && <Text className='login__error'>{error}</Text>}

        <Button
          className='login__submit'
          type='primary'
          // H5 renders `disabled="false"` for a false prop, which still greys the button: pass undefined.
          loading={loading || undefined}
          disabled={loading || remaining > 0 || undefined}
          onClick={submit}
        >
          {remaining > 0 ? `请稍候（${waitText(remaining)}）` : '登录'}
        </Button>

        <Text className='login__hint'>首次登录须修改临时密码</Text>
      </View>
    </View>
  )
}
