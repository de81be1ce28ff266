import { useEffect, useState } from 'react'
import { LockOutlined, UserOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Typography } from 'antd'

import { ApiError, login } from './api'

interface LoginForm {
  username: string
  password: string
}

/** Seconds the server asked us to wait after login failures (a delay, 429, or the lock, 423). */
function waitOf(err: unknown): number {
  const seconds = err instanceof ApiError ? (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds : undefined
  return typeof seconds === 'number' && seconds > 0 ? seconds : 0
}

const waitText = (seconds: number) => (seconds < 60 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`)

/** Login; the app moves on (password change or console) when the session starts. */
export default function LoginPage({ notice }: { notice?: string }) {
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)
  // After repeated failures the server answers with a wait: the button counts it down.
  const [waitUntil, setWaitUntil] = useState(0)
  const [now, setNow] = useState(() => Date.now())
  const remaining = Math.max(0, Math.ceil((waitUntil - now) / 1000))

  useEffect(() => {
    if (waitUntil <= Date.now()) return
    const timer = setInterval(() => setNow(Date.now()), 500)
    return () => clearInterval(timer)
  }, [waitUntil])

  const onFinish = async ({ username, password }: LoginForm) => {
    setError('')
    setLoading(true)
    try {
      await login(username.trim(), password)
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '登录失败，请稍后重试')
      const wait = waitOf(err)
      if (wait) {
        setNow(Date.now())
        setWaitUntil(Date.now() + wait * 1000)
      }
      setLoading(false)
    }
  }

  const shown = error || notice
  return (
    <div style={{ minHeight: '100vh', display: 'flex', justifyContent: 'center', alignItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 400 }}>
        <Typography.Title level={3} style={{ textAlign: 'center' }}>
          平台管理后台 登录
        </Typography.Title>
        <Typography.Paragraph type='secondary' style={{ textAlign: 'center' }}>
          两法衔接平台
        </Typography.Paragraph>
        {shown && <Alert type={error ? 'error' : 'warning'} showIcon title={shown} style={{ marginBottom: 16 }} />}
        <Form<LoginForm> layout='vertical' requiredMark={false} onFinish={onFinish} autoComplete='on'>
          <Form.Item label='用户名' name='username' rules={[{ required: true, whitespace: true, message: '请输入用户名' }]}>
            <Input prefix={<UserOutlined />} placeholder='请输入用户名' autoComplete='username' />
          </Form.Item>
          <Form.Item label='密码' name='password' rules={[{ required: true, message: '请输入密码' }]}>
            <Input.Password prefix={<LockOutlined />} placeholder='请输入密码' autoComplete='current-password' />
          </Form.Item>
          <Form.Item style={{ marginBottom: 8 }}>
            <Button type='primary' htmlType='submit' block loading={loading} disabled={remaining > 0}>
              {remaining > 0 ? `请稍候（${waitText(remaining)}）` : '登录'}
            </Button>
          </Form.Item>
        </Form>
        <Typography.Text type='secondary'>首次登录须修改临时密码</Typography.Text>
      </Card>
    </div>
  )
}
