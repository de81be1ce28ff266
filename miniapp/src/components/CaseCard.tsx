import { Text, View } from '@tarojs/components'

import { stateLabel, type CaseSummary } from '../lib/model'
import { shanghaiTime } from '../lib/time'

export default function CaseCard({ item, onOpen }: { item: CaseSummary; onOpen: () => void }) {
  return (
    <View className={`card case-card${item.overdue ? ' task--overdue' : ''}`} onClick={onOpen}>
      <View className='row'>
        <Text className='task__no'>{item.platformNo}</Text>
        <View>
          {item.overdue && <Text className='tag tag--red' style={{ marginRight: '8px' }}>有逾期</Text>}
          <Text className='tag'>{stateLabel(item.state)}</Text>
        </View>
      </View>
      <Text className='task__title'>{item.title}</Text>
      <Text className='task__todo'>执法机关编号：{item.agencyCaseNo}</Text>
      {item.suspectedOffence && <Text className='task__todo'>涉嫌：{item.suspectedOffence}</Text>}
      <View className='row task__due'>
        <Text className='muted'>{item.agency?.name ?? ''}</Text>
        <Text className='muted'>更新于 {shanghaiTime(item.updatedAt)}</Text>
      </View>
    </View>
  )
}
