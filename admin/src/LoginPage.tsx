import { useState } from 'react'
import { LockOutlined, UserOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Result, Typography } from 'antd'

import { ApiError, login, type LoginResponse } from './api'

interface LoginForm {
  username: string
  password: string
}

export default function LoginPage() {
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)
  const [session, setSession] = useState<LoginResponse | null>(null)

  const onFinish = async ({ username, password }: LoginForm) => {
    setError('')
    setLoading(true)
    try {
      setSession(await login(username.trim(), password))
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '登录失败，请稍后重试')
    } finally {
      setLoading(false)
    }
  }

  return (
    <div style={{ minHeight: '100vh', display: 'flex', justifyContent: 'center', alignItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 400 }}>
        {session ? (
          <Result
            status='success'
            title={`欢迎，${session.user.displayName}`}
            subTitle={session.mustChangePassword ? '请先修改临时密码' : session.user.orgName}
          />
        ) : (
          <>
            <Typography.Title level={3} style={{ textAlign: 'center' }}>
              平台管理后台 登录
            </Typography.Title>
            <Typography.Paragraph type='secondary' style={{ textAlign: 'center' }}>
              两法衔接平台
            </Typography.Paragraph>
            {error && <Alert type='error' showIcon title={error} style={{ marginBottom: 16 }} />}
            <Form<LoginForm> layout='vertical' requiredMark={false} onFinish={onFinish} autoComplete='on'>
              <Form.Item label='用户名' name='username' rules={[{ required: true, whitespace: true, message: '请输入用户名' }]}>
                <Input prefix={<UserOutlined />} placeholder='请输入用户名' autoComplete='username' />
              </Form.Item>
              <Form.Item label='密码' name='password' rules={[{ required: true, message: '请输入密码' }]}>
                <Input.Password prefix={<LockOutlined />} placeholder='请输入密码' autoComplete='current-password' />
              </Form.Item>
              <Form.Item style={{ marginBottom: 8 }}>
                <Button type='primary' htmlType='submit' block loading={loading}>
                  登录
                </Button>
              </Form.Item>
            </Form>
            <Typography.Text type='secondary'>首次登录须修改临时密码</Typography.Text>
          </>
        )}
      </Card>
    </div>
  )
}
