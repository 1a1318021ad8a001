// The errors the HTTP client rejects with, classified so views can react without parsing Axios.
import axios from 'axios'

export type ApiErrorKind =
  /** The session is over (refresh refused, no refresh token, logged out elsewhere). */
  | 'session-expired'
  /** 401 that a refresh could not cure (the retry was refused too). The session is kept. */
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'server'
  | 'network'
  | 'client'

export class ApiError extends Error {
  readonly kind: ApiErrorKind
  readonly status: number | null
  /** True once the user has been told about this error, so callers do not tell them twice. */
  readonly reported: boolean

  constructor(kind: ApiErrorKind, message: string, status: number | null, reported: boolean) {
    super(message)
    this.name = 'ApiError'
    this.kind = kind
    this.status = status
    this.reported = reported
  }
}

/** Map a failed response's status (null: no response at all) to the kind the UI shows. */
export function kindForStatus(status: number | null): ApiErrorKind {
  if (status === null) return 'network'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 429) return 'rate-limited'
  if (status >= 500) return 'server'
  return 'client'
}

export function statusOf(error: unknown): number | null {
  return axios.isAxiosError(error) ? (error.response?.status ?? null) : null
}

/** The server's `detail` string when it sent one (FastAPI's error shape). */
export function detailOf(error: unknown): string | null {
  if (!axios.isAxiosError(error)) return null
  const data: unknown = error.response?.data
  if (data && typeof data === 'object' && 'detail' in data) {
    const detail = (data as { detail: unknown }).detail
    return typeof detail === 'string' ? detail : null
  }
  return null
}
