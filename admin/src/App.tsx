import { useEffect, useState, useSyncExternalStore } from 'react'
import { ApartmentOutlined, BookOutlined, LogoutOutlined, KeyOutlined } from '@ant-design/icons'
import { Button, Layout, Menu, Space, Typography } from 'antd'

import { currentSession, logout, onSessionChange, type Session } from './api'
import JobAlerts from './JobAlerts'
import LoginPage from './LoginPage'
import PasswordPage from './PasswordPage'
import ProcessPage from './pages/ProcessPage'
import RegulationsPage from './pages/RegulationsPage'

/** The console's pages; the location hash (#/process) names the open one. */
const PAGES = [
  { key: 'process', label: '流程定义', icon: <ApartmentOutlined />, render: () => <ProcessPage /> },
  { key: 'regulations', label: '法律法规', icon: <BookOutlined />, render: () => <RegulationsPage /> },
] as const
type PageKey = (typeof PAGES)[number]['key']

function subscribeHash(cb: () => void) {
  window.addEventListener('hashchange', cb)
  return () => window.removeEventListener('hashchange', cb)
}
const readHash = () => window.location.hash.replace(/^#\/?/, '')

function useRoute(): PageKey {
  const hash = useSyncExternalStore(subscribeHash, readHash)
  return PAGES.find((p) => p.key === hash)?.key ?? 'process'
}

function Console({ session, onChangePassword }: { session: Session; onChangePassword: () => void }) {
  const route = useRoute()
  const page = PAGES.find((p) => p.key === route)!
  useEffect(() => {
    document.title = `${page.label} · 两法衔接平台管理后台`
  }, [page.label])
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint='lg' collapsedWidth={0} width={208} theme='dark'>
        <div style={{ color: '#fff', padding: '18px 20px', fontSize: 16, fontWeight: 600, lineHeight: 1.4 }}>
          两法衔接平台
          <div style={{ fontSize: 12, fontWeight: 400, opacity: 0.65 }}>平台管理后台</div>
        </div>
        <Menu
          theme='dark'
          mode='inline'
          selectedKeys={[route]}
          items={PAGES.map((p) => ({ key: p.key, icon: p.icon, label: p.label }))}
          onClick={({ key }) => {
            window.location.hash = `#/${key}`
          }}
        />
      </Layout.Sider>
      <Layout>
        <JobAlerts session={session} />
        <Layout.Header style={{ background: '#fff', padding: '0 24px', display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography.Title level={4} style={{ margin: 0 }}>{page.label}</Typography.Title>
          <Space size='middle'>
            <Typography.Text>
              {session.user.displayName}
              <Typography.Text type='secondary'>（{session.user.orgName}）</Typography.Text>
            </Typography.Text>
            <Button size='small' icon={<KeyOutlined />} onClick={onChangePassword}>修改密码</Button>
            <Button size='small' icon={<LogoutOutlined />} onClick={() => void logout()}>退出登录</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>{page.render()}</Layout.Content>
      </Layout>
    </Layout>
  )
}

/** Login → forced password change → the console; back to login when the session ends. */
export default function App() {
  const [session, setSession] = useState<Session | null>(() => currentSession())
  const [notice, setNotice] = useState<string | undefined>()
  const [changing, setChanging] = useState(false)

  useEffect(() => onSessionChange((s, message) => {
    setSession(s)
    setNotice(message)
    if (!s) setChanging(false)
  }), [])

  if (!session) return <LoginPage notice={notice} />
  if (session.mustChangePassword || changing) return <PasswordPage session={session} onCancel={() => setChanging(false)} />
  return <Console session={session} onChangePassword={() => setChanging(true)} />
}
