import { useState } from 'react'
import { Text, View } from '@tarojs/components'

import { stateLabel, type TaskView } from '../lib/model'
import { dueTime, shanghaiTime } from '../lib/time'

const DAY_MS = 24 * 3_600_000

/** One task: what to do, by when (Asia/Shanghai), red when overdue, and its legal basis on tap. */
export default function TaskCard({ task, showCase, onOpen }: { task: TaskView; showCase: boolean; onOpen?: () => void }) {
  const [basisOpen, setBasisOpen] = useState(false)
  const dueMs = task.dueAt ? Date.parse(task.dueAt) : null
  const soon = !task.overdue && dueMs !== null && dueMs - Date.now() < DAY_MS
  const toggleBasis = (e: { stopPropagation: () => void }) => {
    e.stopPropagation()
    setBasisOpen((v) => !v)
  }
  return (
    <View className={`card task${task.overdue ? ' task--overdue' : ''}`} onClick={onOpen}>
      {showCase && (
        <View className='row'>
          <Text className='task__no'>{task.platformNo}</Text>
          <Text className='tag'>{stateLabel(task.state)}</Text>
        </View>
      )}
      {showCase && <Text className='task__title'>{task.caseTitle}</Text>}
      <Text className='task__todo'>{showCase ? '待办：' : ''}{task.title}</Text>
      <View className='row task__due'>
        <View className='grow'>
          {task.dueAt ? (
            <Text className={task.overdue ? 'danger' : ''}>
              办理期限<Text className='task__due-time'>{dueTime(task.dueAt)}</Text>
            </Text>
          ) : (
            <Text className='muted'>无法定期限</Text>
          )}
          {task.overdue && <Text className='tag tag--red' style={{ marginLeft: '8px' }}>已逾期</Text>}
          {soon && <Text className='tag tag--orange' style={{ marginLeft: '8px' }}>即将到期</Text>}
          {task.dueFlagged && <Text className='tag tag--grey' style={{ marginLeft: '8px' }}>期限待核</Text>}
        </View>
        {(task.basis || task.flagReason) && (
          <Text className='link task__basis-toggle' onClick={toggleBasis}>{basisOpen ? '收起依据' : '法律依据'}</Text>
        )}
      </View>
      {basisOpen && (
        <View className='task__basis' onClick={toggleBasis}>
          {task.basis && <Text className='block'>{task.basis}</Text>}
          {task.flagReason && <Text className='block danger'>期限待核：{task.flagReason}</Text>}
          {task.extensions.map((x) => (
            <Text key={x.key} className='block'>已批准延长：{x.label}（{x.approvedBy}，{shanghaiTime(x.at)}）</Text>
          ))}
        </View>
      )}
    </View>
  )
}
