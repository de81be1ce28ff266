import {
  API, STATES, TRANSITIONS, DOC_TYPES,
  type caseDetail, type caseSummary, type taskView, type notificationView, type documentView, type orgSummary,
  type Role, type StateKey, type TransitionDef, type TransitionKey,
} from '@lfxj/contracts'

import type { Out } from '../api'

/** Response shapes, inferred from the contract's schemas. */
export type CaseDetail = Out<typeof caseDetail>
export type CaseSummary = Out<typeof caseSummary>
export type TaskView = Out<typeof taskView>
export type NotificationView = Out<typeof notificationView>
export type DocumentView = Out<typeof documentView>
export type OrgSummary = Out<typeof orgSummary>
export type Paged<T> = { items: T[]; total: number; page: number; pageSize: number }
/** 案件检索: past SEARCH_COUNT_LIMIT the total is a lower bound; pages follow `nextCursor`. */
export type CaseSearch = Paged<CaseSummary> & { totalIsLowerBound: boolean; nextCursor: string | null }
export type Inbox = Paged<TaskView> & { overdueCount: number; dueSoonCount: number }
export type Notifications = Paged<NotificationView> & { unreadCount: number }
export type CaseAction = CaseDetail['availableActions'][number]

/** Roles that work on cases (the contract's list of who may call GET /tasks). */
export const CASE_WORKER_ROLES = API.cases.inbox.auth as readonly Role[]
/** Roles that may record a case. */
export const CASE_CREATOR_ROLES = API.cases.create.auth as readonly Role[]

export const stateLabel = (state: StateKey): string => STATES[state]?.label ?? state
export const docTypeLabel = (type: keyof typeof DOC_TYPES): string => DOC_TYPES[type] ?? type
export const transitionDef = (key: TransitionKey): TransitionDef => TRANSITIONS[key]

type Described = { description?: string; unwrap?: () => Described }
/** The Chinese label a contract field carries (`.describe()`), also through `.optional()`. */
export function fieldLabel(schema: unknown): string {
  const s = schema as Described | undefined
  return s?.description ?? s?.unwrap?.().description ?? ''
}

/** Labels of the fields of POST /cases/:id/actions and POST /cases, from the contract. */
const actShape = (API.cases.act.body as unknown as { shape: Record<string, unknown> }).shape
const createShape = (API.cases.create.body as unknown as { shape: Record<string, unknown> }).shape
export const actLabel = (field: 'reason' | 'policeOrgId' | 'urgeKind' | 'documentIds'): string => fieldLabel(actShape[field])
export const createLabel = (field: string): string => fieldLabel(createShape[field])
