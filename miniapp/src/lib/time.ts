import { shanghaiMinute, dueText } from '@lfxj/contracts'

/** An instant shown as Asia/Shanghai wall time, `YYYY-MM-DD HH:mm` (the contract's formatting). */
export function shanghaiTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? '' : shanghaiMinute(new Date(ms))
}

/** A deadline: one ending at Shanghai midnight reads as 24:00 of its last day, like the SMS and 通报. */
export function dueTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? '' : dueText(new Date(ms))
}

/** File sizes as officers read them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1048576).toFixed(1)} MB`
}
