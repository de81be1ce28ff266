const SHANGHAI_OFFSET_MS = 8 * 3_600_000

/**
 * An instant shown as Asia/Shanghai wall time, `YYYY-MM-DD HH:mm`. China has had no daylight
 * saving since 1991, so a fixed +08:00 is exact and works on mini-program engines without Intl
 * time zones.
 */
export function shanghaiTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return ''
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** File sizes as officers read them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1048576).toFixed(1)} MB`
}
