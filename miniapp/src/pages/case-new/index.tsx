import { useState } from 'react'
import Taro, { useLoad } from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import { API } from '@lfxj/contracts'

import { ApiRequestError, PAGES, apiPost } from '../../api'
import { createLabel, type CaseDetail } from '../../lib/model'
import { requireSession } from '../../lib/session'
import './index.css'

interface PartyForm {
  kind: 'person' | 'company'
  name: string
  idNumber: string
}

const PARTY_KINDS: Array<[PartyForm['kind'], string]> = [['person', '自然人'], ['company', '单位']]

function Label({ field, required }: { field: string; required?: boolean }) {
  return (
    <Text className='field__label'>
      {createLabel(field)}
      {required && <Text className='field__required'>*</Text>}
    </Text>
  )
}

/** 有案必录: an agency officer records a case; the transfer report and the steps follow on the case page. */
export default function CaseNewPage() {
  const [form, setForm] = useState({ agencyCaseNo: '', title: '', suspectedOffence: '', amountInvolved: '', facts: '', penaltyInfo: '' })
  const [parties, setParties] = useState<PartyForm[]>([{ kind: 'person', name: '', idNumber: '' }])
  const [error, setError] = useState('')
  const [saving, setSaving] = useState(false)

  useLoad(() => {
    requireSession()
  })

  const set = (field: keyof typeof form) => (e: { detail: { value: string } }) => setForm((f) => ({ ...f, [field]: e.detail.value }))
  const setParty = (i: number, patch: Partial<PartyForm>) => setParties((ps) => ps.map((p, j) => (j === i ? { ...p, ...patch } : p)))

  const submit = async () => {
    if (saving) return
    if (!form.agencyCaseNo.trim()) return setError(`请填写${createLabel('agencyCaseNo')}`)
    if (!form.title.trim()) return setError(`请填写${createLabel('title')}`)
    setError('')
    setSaving(true)
    const opt = (v: string) => v.trim() || undefined
    try {
      const created = await apiPost<CaseDetail>(API.cases.create, undefined, {
        agencyCaseNo: form.agencyCaseNo.trim(), title: form.title.trim(), suspectedOffence: opt(form.suspectedOffence),
        amountInvolved: opt(form.amountInvolved), facts: opt(form.facts), penaltyInfo: opt(form.penaltyInfo),
        parties: parties.filter((p) => p.name.trim()).map((p) => ({ kind: p.kind, name: p.name.trim(), idNumber: opt(p.idNumber) })),
      })
      void Taro.redirectTo({ url: `${PAGES.caseDetail}?id=${created.id}` })
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : '登记失败，请稍后重试')
    } finally {
      setSaving(false)
    }
  }

  return (
    <View className='page case-new'>
      <View className='card'>
        <Label field='agencyCaseNo' required />
        <Input className='field__input' value={form.agencyCaseNo} maxlength={64} onInput={set('agencyCaseNo')} />
        <Label field='title' required />
        <Input className='field__input' value={form.title} maxlength={200} onInput={set('title')} />
        <Label field='suspectedOffence' />
        <Input className='field__input' value={form.suspectedOffence} maxlength={100} onInput={set('suspectedOffence')} />
        <Label field='amountInvolved' />
        <Input className='field__input' type='digit' value={form.amountInvolved} maxlength={19} onInput={set('amountInvolved')} />
        <Label field='facts' />
        <Textarea className='field__textarea' value={form.facts} maxlength={20000} onInput={set('facts')} />
        <Label field='penaltyInfo' />
        <Textarea className='field__textarea' value={form.penaltyInfo} maxlength={5000} onInput={set('penaltyInfo')} />
      </View>

      <View className='card'>
        <View className='row'>
          <Text className='card__title'>{createLabel('parties')}</Text>
          <Text className='link' onClick={() => setParties((ps) => [...ps, { kind: 'person', name: '', idNumber: '' }])}>添加</Text>
        </View>
        {parties.map((p, i) => (
          <View key={i} className='party'>
            <View className='row'>
              <View className='party__kinds'>
                {PARTY_KINDS.map(([kind, label]) => (
                  <Text key={kind} className={`party__kind${p.kind === kind ? ' party__kind--on' : ''}`} onClick={() => setParty(i, { kind })}>
                    {label}
                  </Text>
                ))}
              </View>
              <Text className='link' onClick={() => setParties((ps) => ps.filter((_, j) => j !== i))}>删除</Text>
            </View>
            <Text className='field__label'>名称</Text>
            <Input className='field__input' value={p.name} maxlength={100} onInput={(e) => setParty(i, { name: e.detail.value })} />
            <Text className='field__label'>证件号码（身份证号或统一社会信用代码）</Text>
            <Input className='field__input' value={p.idNumber} maxlength={32} onInput={(e) => setParty(i, { idNumber: e.detail.value })} />
          </View>
        ))}
      </View>

      {error && <Text className='error-box'>{error}</Text>}
      <Button className='btn' type='primary' loading={saving || undefined} disabled={saving || undefined} onClick={submit}>登记</Button>
    </View>
  )
}
