import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { API } from '@lfxj/contracts'

import { ApiRequestError, apiGet, downloadDocument } from '../../api'
import ActionForm from '../../components/ActionForm'
import TaskCard from '../../components/TaskCard'
import { actLabel, docTypeLabel, stateLabel, type CaseAction, type CaseDetail, type DocumentView } from '../../lib/model'
import { requireSession } from '../../lib/session'
import { fileSize, shanghaiTime } from '../../lib/time'
import './index.css'

const PARTY_KIND: Record<CaseDetail['parties'][number]['kind'], string> = { person: '自然人', company: '单位' }

function Info({ label, value }: { label: string; value: string | null | undefined }) {
  if (!value) return null
  return (
    <View className='info'>
      <Text className='info__label'>{label}</Text>
      <Text className='info__value'>{value}</Text>
    </View>
  )
}

function DocLine({ doc }: { doc: DocumentView }) {
  const download = async () => {
    try {
      await downloadDocument(doc.id, doc.fileName)
    } catch (err) {
      void Taro.showToast({ title: err instanceof ApiRequestError ? err.message : '下载失败', icon: 'none' })
    }
  }
  return (
    <View className='row timeline__doc'>
      <View className='grow'>
        <Text className='timeline__doc-type'>{docTypeLabel(doc.docType)}</Text>
        <Text className='timeline__doc-name'>{doc.fileName}</Text>
        <Text className='muted'>（{fileSize(doc.size)}）</Text>
      </View>
      <Text className='link timeline__download' onClick={download}>下载</Text>
    </View>
  )
}

/** 案件详情: the same case file for every party, with the steps this user may take. */
export default function CasePage() {
  const router = useRouter()
  const id = Number(router.params.id)
  const [detail, setDetail] = useState<CaseDetail | null>(null)
  const [error, setError] = useState('')
  const [active, setActive] = useState<CaseAction | null>(null)
  const [notice, setNotice] = useState('')
  /** Earlier timeline entries read with 查看更早的记录 (the detail carries the latest 50). */
  const [earlier, setEarlier] = useState<{ items: CaseDetail['timeline']; hasMore: boolean } | null>(null)
  const [loadingEarlier, setLoadingEarlier] = useState(false)

  const load = useCallback(async () => {
    try {
      setDetail(await apiGet<CaseDetail>(API.cases.get, { id }))
      setEarlier(null)
      setError('')
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '加载失败，请稍后重试')
    }
  }, [id])

  useDidShow(() => {
    if (requireSession()) void load()
  })
  usePullDownRefresh(() => {
    void load().finally(() => Taro.stopPullDownRefresh())
  })

  const loadEarlier = async (before: number) => {
    setLoadingEarlier(true)
    try {
      const page = await apiGet<{ items: CaseDetail['timeline']; hasMore: boolean }>(API.cases.events, { id }, { before })
      setEarlier((prev) => ({ items: [...page.items, ...(prev?.items ?? [])], hasMore: page.hasMore }))
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '加载失败，请稍后重试')
    } finally {
      setLoadingEarlier(false)
    }
  }

  if (!detail) {
    return (
      <View className='page'>
        {error ? <Text className='error-box'>{error}</Text> : <Text className='empty'>加载中…</Text>}
      </View>
    )
  }

  const orgName = (orgId: number) =>
    [detail.agency, detail.police, detail.procuratorate].find((o) => o?.id === orgId)?.name ?? ''
  const openTasks = detail.tasks.filter((t) => t.status === 'open')

  return (
    <View className='page case'>
      <View className='card'>
        <View className='row'>
          <Text className='case__no'>{detail.platformNo}</Text>
          <View>
            {detail.overdue && <Text className='tag tag--red' style={{ marginRight: '8px' }}>有逾期</Text>}
            <Text className='tag case__state'>{stateLabel(detail.state)}</Text>
          </View>
        </View>
        <Text className='case__title'>{detail.title}</Text>
        <Text className='case__meta'>执法机关案件编号：{detail.agencyCaseNo}{' · '}版本 {detail.version}</Text>
      </View>

      {notice && <Text className='card ok case__notice'>✓ {notice}</Text>}

      <View className='card actions'>
        <Text className='card__title'>可办理的操作</Text>
        {detail.availableActions.length === 0 && <Text className='muted'>本单位当前无可办理的操作</Text>}
        {!active && (
          <View className='actions__list'>
            {detail.availableActions.map((a) => (
              <Button key={a.key} className='actions__button' size='mini' type='primary' data-action={a.key}
                onClick={() => {
                  setNotice('')
                  setActive(a)
                }}>
                {a.label}
              </Button>
            ))}
          </View>
        )}
        {active && (
          <ActionForm
            key={`${active.key}-${detail.version}`}
            detail={detail}
            action={active}
            onCancel={() => setActive(null)}
            onReload={() => {
              setActive(null)
              void load()
            }}
            onDone={(next, message) => {
              setDetail(next)
              setActive(null)
              setNotice(message)
              void Taro.showToast({ title: '已提交', icon: 'success' })
              // The answer's version can lag behind the stored one when a step's side effects
              // update the case again; read it back so that the next step is not refused.
              void load()
            }}
          />
        )}
      </View>

      <View className='card case__tasks'>
        <Text className='card__title'>待办与期限</Text>
        {openTasks.length === 0 && <Text className='muted'>没有未办结的待办</Text>}
        {openTasks.map((t) => (
          <View key={t.id}>
            <Text className='muted block'>办理单位：{orgName(t.orgId) || '—'}</Text>
            <TaskCard task={t} showCase={false} />
          </View>
        ))}
      </View>

      <View className='card'>
        <Text className='card__title'>案件信息</Text>
        <Info label='涉嫌罪名' value={detail.suspectedOffence} />
        <Info label='涉案金额' value={detail.amountInvolved ? `${detail.amountInvolved} 元` : null} />
        <Info label='移送机关' value={detail.agency?.name} />
        <Info label='公安机关' value={detail.police?.name} />
        <Info label='备案检察院' value={detail.procuratorate?.name} />
        <Info label='登记时间' value={shanghaiTime(detail.createdAt)} />
        <Info label='案件事实' value={detail.facts} />
        <Info label='行政处罚情况' value={detail.penaltyInfo} />
      </View>

      <View className='card'>
        <Text className='card__title'>当事人</Text>
        {detail.parties.length === 0 && <Text className='muted'>未登记当事人</Text>}
        {detail.parties.map((p, i) => (
          <Info key={i} label={PARTY_KIND[p.kind]} value={`${p.name}${p.idNumberMasked ? ` · ${p.idNumberMasked}` : ''}`} />
        ))}
      </View>

      <View className='card filing'>
        <Text className='card__title'>检察院备案</Text>
        {!detail.filing && <Text className='muted'>尚未备案（移送公安机关时自动向同级人民检察院备案）</Text>}
        {detail.filing && (
          <View>
            <Info label='备案检察院' value={detail.filing.procuratorate?.name} />
            <Info label='备案时间' value={shanghaiTime(detail.filing.filedAt)} />
            <Info
              label='签收情况'
              value={detail.filing.signedAt ? `已签收（${detail.filing.signedBy ?? ''}，${shanghaiTime(detail.filing.signedAt)}）` : '待检察院签收'}
            />
            <View className='filing__materials'>
              {detail.filing.materials.map((m) => (
                <Text key={m.documentId} className='timeline__line'>· {docTypeLabel(m.docType)}：{m.fileName}</Text>
              ))}
            </View>
          </View>
        )}
      </View>

      <View className='card timeline'>
        <Text className='card__title'>办理过程</Text>
        {(earlier ? earlier.hasMore : detail.timelineHasMore) && (
          <Button className='btn timeline__earlier' size='mini' loading={loadingEarlier || undefined}
            onClick={() => void loadEarlier((earlier?.items[0] ?? detail.timeline[0]).seq)}>查看更早的记录</Button>
        )}
        {[...(earlier?.items ?? []), ...detail.timeline].map((e) => (
          <View key={e.id} className='timeline__item' data-transition={e.transition}>
            <View className='timeline__dot' />
            <View className='row'>
              <Text className='timeline__label'>{e.label}</Text>
              <Text className='muted'>{shanghaiTime(e.at)}</Text>
            </View>
            <Text className='timeline__line'>{e.actorOrg}{e.actorName ? ` · ${e.actorName}` : ''}</Text>
            {e.fromState !== e.toState && (
              <Text className='timeline__line'>{e.fromState ? `${stateLabel(e.fromState)} → ` : ''}{stateLabel(e.toState)}</Text>
            )}
            {typeof e.details.urgeKind === 'string' && <Text className='timeline__line'>类型：{e.details.urgeKind}</Text>}
            {e.reason && <Text className='timeline__line'>{actLabel('reason')}：{e.reason}</Text>}
            {e.documents.length > 0 && (
              <View className='timeline__docs'>
                {e.documents.map((d) => <DocLine key={d.id} doc={d} />)}
              </View>
            )}
          </View>
        ))}
      </View>
    </View>
  )
}
