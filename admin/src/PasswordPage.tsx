import { useState } from 'react'
import { LockOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd'
import { passwordProblems } from '@lfxj/contracts'

import { ApiError, changePassword, logout, type Session } from './api'

interface PasswordForm {
  oldPassword: string
  newPassword: string
  confirm: string
}

/** Change the password: forced after a temporary one; the contract's rules are checked as the user types. */
export default function PasswordPage({ session, onCancel }: { session: Session; onCancel?: () => void }) {
  const [form] = Form.useForm<PasswordForm>()
  const newPassword = Form.useWatch('newPassword', form) ?? ''
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(false)
  const problems = newPassword ? passwordProblems(newPassword, session.user.username) : []

  const onFinish = async ({ oldPassword, newPassword: next }: PasswordForm) => {
    setError('')
    setLoading(true)
    try {
      await changePassword(oldPassword, next)
      onCancel?.()
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '修改失败，请稍后重试')
      setLoading(false)
    }
  }

  return (
    <div style={{ minHeight: '100vh', display: 'flex', justifyContent: 'center', alignItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 440 }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginBottom: 4 }}>
          欢迎，{session.user.displayName}
        </Typography.Title>
        <Typography.Paragraph type='secondary' style={{ textAlign: 'center' }}>
          {session.user.orgName}
        </Typography.Paragraph>
        {session.mustChangePassword && <Alert type='warning' showIcon title='请先修改临时密码' style={{ marginBottom: 16 }} />}
        {error && <Alert type='error' showIcon title={error} style={{ marginBottom: 16 }} />}
        <Form<PasswordForm> form={form} layout='vertical' requiredMark={false} onFinish={onFinish}>
          <Form.Item label={session.mustChangePassword ? '临时密码' : '原密码'} name='oldPassword' rules={[{ required: true, message: '请输入原密码' }]}>
            <Input.Password prefix={<LockOutlined />} placeholder='请输入原密码' autoComplete='current-password' />
          </Form.Item>
          <Form.Item
            label='新密码'
            name='newPassword'
            extra={problems.length === 0 && !newPassword ? '至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不得包含用户名' : undefined}
            validateStatus={problems.length ? 'error' : newPassword ? 'success' : undefined}
            help={problems.length ? problems.map((p) => <div key={p}>{p}</div>) : undefined}
            rules={[
              { required: true, message: '请输入新密码' },
              { validator: (_r, v: string | undefined) => (v && passwordProblems(v, session.user.username).length ? Promise.reject(new Error('新密码不符合规则')) : Promise.resolve()) },
            ]}
          >
            <Input.Password prefix={<LockOutlined />} placeholder='请输入新密码' autoComplete='new-password' />
          </Form.Item>
          <Form.Item
            label='确认新密码'
            name='confirm'
            dependencies={['newPassword']}
            rules={[
              { required: true, message: '请再次输入新密码' },
              ({ getFieldValue }) => ({
                validator: (_r, v: string | undefined) => (!v || v === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error('两次输入的新密码不一致'))),
              }),
            ]}
          >
            <Input.Password prefix={<LockOutlined />} placeholder='请再次输入新密码' autoComplete='new-password' />
          </Form.Item>
          <Space style={{ width: '100%', justifyContent: 'space-between' }}>
            {onCancel && !session.mustChangePassword ? <Button onClick={onCancel}>返回</Button> : <Button type='link' onClick={() => void logout()}>退出登录</Button>}
            <Button type='primary' htmlType='submit' loading={loading}>
              确认修改
            </Button>
          </Space>
        </Form>
      </Card>
    </div>
  )
}
