import { useEffect, useState } from 'react'
import { Alert } from 'antd'
import { API, type jobsView } from '@lfxj/contracts'

import { apiGet, type Out, type Session } from './api'

type Jobs = Out<typeof jobsView>

/** Who is shown the background jobs' alerts (and may read them): the platform's system and security admins. */
const WATCHERS = (API.reminders.jobs.auth as readonly string[])
/** Asked again every minute while the console is open: a scan that stops must not wait for a reload. */
const EVERY_MS = 60_000

/**
 * A banner at the top of the console while the reminder scan or the sender is failing or has
 * stopped completing (the same state /api/v1/health reports), with the last error.
 */
export default function JobAlerts({ session }: { session: Session }) {
  const watching = session.user.roles.some((r) => WATCHERS.includes(r))
  const [alerts, setAlerts] = useState<string[]>([])
  useEffect(() => {
    if (!watching) return
    let live = true
    const load = () => apiGet<Jobs>(API.reminders.jobs)
      .then((jobs) => { if (live) setAlerts(jobs.alerts) })
      .catch(() => { /* A failing request says nothing about the jobs; the next one will. */ })
    void load()
    const timer = setInterval(() => void load(), EVERY_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [watching])
  if (!alerts.length) return null
  return (
    <Alert
      className='job-alerts'
      type='error'
      showIcon
      banner
      title='后台任务异常：提醒可能未按时发出'
      description={alerts.map((a) => <div key={a}>{a}</div>)}
    />
  )
}
