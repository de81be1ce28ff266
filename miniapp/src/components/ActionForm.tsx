import { useEffect, useState } from 'react'
import { Button, Picker, Text, Textarea, View } from '@tarojs/components'
import { API, URGE_KINDS, type DocType } from '@lfxj/contracts'

import { ApiRequestError, apiGet, apiPost, chooseMiniFiles, uploadDocuments, type PickedFile } from '../api'
import {
  actLabel, docTypeLabel, transitionDef,
  type CaseAction, type CaseDetail, type DocumentView, type OrgSummary, type Paged,
} from '../lib/model'
import { fileSize } from '../lib/time'
import './ActionForm.css'

interface Props {
  detail: CaseDetail
  action: CaseAction
  onDone: (detail: CaseDetail, message: string) => void
  onCancel: () => void
  onReload: () => void
}

/**
 * One step of the process: its required documents (pick and upload, many files each), the
 * reason, the police body or urging kind when the step needs them; submitted with the case
 * version so that a concurrent change answers 409 instead of being overwritten.
 */
export default function ActionForm({ detail, action, onDone, onCancel, onReload }: Props) {
  const def = transitionDef(action.key)
  const needs = def.needs ?? []
  const requiredTypes = [...new Set(action.requires.map((r) => r.type))]

  // Files this organisation uploaded earlier and did not submit yet are offered again.
  const [attached, setAttached] = useState<Partial<Record<DocType, DocumentView[]>>>(() => {
    const initial: Partial<Record<DocType, DocumentView[]>> = {}
    for (const type of requiredTypes) {
      const drafts = detail.drafts.filter((d) => d.docType === type)
      if (drafts.length) initial[type] = drafts
    }
    return initial
  })
  const [reason, setReason] = useState('')
  const [urgeKind, setUrgeKind] = useState<(typeof URGE_KINDS)[number] | ''>('')
  const [police, setPolice] = useState<OrgSummary[]>([])
  const [policeId, setPoliceId] = useState<number | null>(null)
  const [uploading, setUploading] = useState<DocType | null>(null)
  const [submitting, setSubmitting] = useState(false)
  const [error, setError] = useState('')
  const [conflict, setConflict] = useState(false)

  useEffect(() => {
    if (!needs.includes('policeOrgId')) return
    apiGet<Paged<OrgSummary>>(API.directory.organisations, undefined, { kind: '公安机关', pageSize: 100 })
      .then((res) => setPolice(res.items.filter((o) => o.id !== detail.police?.id && o.status === 'active')))
      .catch((err: unknown) => setError(err instanceof ApiRequestError ? err.message : '公安机关列表加载失败'))
  }, [action.key]) // the list depends on the step only

  const upload = async (type: DocType, files: PickedFile[]) => {
    if (!files.length) return
    setUploading(type)
    setError('')
    try {
      const stored = await uploadDocuments<DocumentView[]>(detail.id, type, files)
      setAttached((prev) => ({ ...prev, [type]: [...(prev[type] ?? []), ...stored] }))
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '上传失败，请稍后重试')
    } finally {
      setUploading(null)
    }
  }

  const pickOnMini = async (type: DocType) => {
    try {
      await upload(type, await chooseMiniFiles())
    } catch {
      // The user closed the chooser.
    }
  }

  const onWebFiles = (type: DocType, input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []).map((file) => ({ kind: 'web' as const, file, name: file.name }))
    input.value = ''
    void upload(type, files)
  }

  const remove = (type: DocType, id: number) =>
    setAttached((prev) => ({ ...prev, [type]: (prev[type] ?? []).filter((d) => d.id !== id) }))

  const submit = async () => {
    if (submitting || uploading) return
    const missing = action.requires.filter((r) => !attached[r.type]?.length)
    if (missing.length) return setError(`请上传必需文书：${missing.map((m) => m.label).join('、')}`)
    if (needs.includes('reason') && !reason.trim()) return setError(`请填写${actLabel('reason')}`)
    if (needs.includes('policeOrgId') && !policeId) return setError(`请选择${actLabel('policeOrgId')}`)
    if (needs.includes('urgeKind') && !urgeKind) return setError(`请选择${actLabel('urgeKind')}`)
    setError('')
    setConflict(false)
    setSubmitting(true)
    try {
      const documentIds = requiredTypes.flatMap((t) => (attached[t] ?? []).map((d) => d.id))
      const next = await apiPost<CaseDetail>(API.cases.act, { id: detail.id }, {
        transition: action.key,
        version: detail.version,
        reason: reason.trim() || undefined,
        policeOrgId: needs.includes('policeOrgId') ? policeId ?? undefined : undefined,
        urgeKind: needs.includes('urgeKind') ? urgeKind || undefined : undefined,
        documentIds,
      })
      onDone(next, `已${action.label}`)
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '提交失败，请稍后重试')
      setConflict(err instanceof ApiRequestError && err.status === 409)
    } finally {
      setSubmitting(false)
    }
  }

  const policeIndex = police.findIndex((p) => p.id === policeId)

  return (
    <View className='action-form'>
      <Text className='action-form__title'>{action.label}</Text>
      <Text className='action-form__basis'>依据：{def.basis}</Text>

      {action.requires.length > 0 && <Text className='field__label'>{actLabel('documentIds')}（每项至少一个文件）</Text>}
      {action.requires.map((req, i) => {
        const files = attached[req.type] ?? []
        return (
          <View key={`${req.type}-${i}`} className={`doc-req${files.length ? ' doc-req--done' : ''}`} data-doctype={req.type}>
            <View className='row'>
              <View className='grow'>
                <Text className='doc-req__label'>{files.length ? '✓ ' : ''}{req.label}</Text>
                {docTypeLabel(req.type) !== req.label && <Text className='muted'>（{docTypeLabel(req.type)}）</Text>}
              </View>
              {process.env.TARO_ENV === 'h5' ? (
                <label className='doc-req__pick'>
                  {uploading === req.type ? '上传中…' : '选择文件'}
                  <input
                    className='doc-req__input'
                    type='file'
                    multiple
                    data-doctype={req.type}
                    onChange={(e) => onWebFiles(req.type, e.currentTarget)}
                  />
                </label>
              ) : (
                <Button className='btn-small' size='mini' loading={uploading === req.type || undefined} onClick={() => void pickOnMini(req.type)}>
                  选择文件
                </Button>
              )}
            </View>
            {files.map((f) => (
              <View key={f.id} className='row doc-req__file'>
                <Text className='grow doc-req__name'>{f.fileName}</Text>
                <Text className='muted'>{fileSize(f.size)}</Text>
                <Text className='link doc-req__remove' onClick={() => remove(req.type, f.id)}>移除</Text>
              </View>
            ))}
          </View>
        )
      })}

      {needs.includes('policeOrgId') && (
        <View>
          <Text className='field__label'>{actLabel('policeOrgId')}<Text className='field__required'>*</Text></Text>
          <Picker mode='selector' range={police.map((p) => p.currentName)} value={Math.max(0, policeIndex)}
            onChange={(e) => setPoliceId(police[Number(e.detail.value)]?.id ?? null)}>
            <View className='field__picker'>
              <Text className={policeIndex < 0 ? 'muted' : ''}>{policeIndex < 0 ? '请选择公安机关' : police[policeIndex].currentName}</Text>
              <Text className='muted'>▾</Text>
            </View>
          </Picker>
        </View>
      )}

      {needs.includes('urgeKind') && (
        <View>
          <Text className='field__label'>{actLabel('urgeKind')}<Text className='field__required'>*</Text></Text>
          <Picker mode='selector' range={[...URGE_KINDS]} value={Math.max(0, URGE_KINDS.indexOf(urgeKind as (typeof URGE_KINDS)[number]))}
            onChange={(e) => setUrgeKind(URGE_KINDS[Number(e.detail.value)])}>
            <View className='field__picker'>
              <Text className={urgeKind ? '' : 'muted'}>{urgeKind || '请选择'}</Text>
              <Text className='muted'>▾</Text>
            </View>
          </Picker>
        </View>
      )}

      <Text className='field__label'>
        {actLabel('reason')}
        {needs.includes('reason') ? <Text className='field__required'>*</Text> : <Text className='muted'>（选填）</Text>}
      </Text>
      <Textarea className='field__textarea action-form__reason' value={reason} maxlength={5000} placeholder='请填写理由或说明'
        onInput={(e) => setReason(e.detail.value)} />

      {error && <Text className='error-box action-form__error'>{error}</Text>}
      {conflict && <Text className='link' onClick={onReload}>刷新案件后重试</Text>}

      <View className='action-form__buttons'>
        <Button className='action-form__cancel' size='mini' onClick={onCancel}>取消</Button>
        <Button className='action-form__submit' type='primary' size='mini' loading={submitting || undefined}
          disabled={submitting || uploading !== null || undefined} onClick={submit}>
          提交：{action.label}
        </Button>
      </View>
    </View>
  )
}

