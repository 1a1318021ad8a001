// The HTTP client every view uses: one Axios instance, a request interceptor that adds the
// Bearer access token, and a response interceptor that cures an expired access token with one
// shared refresh and retries each request at most once.
//
// Rules the response interceptor keeps:
// - 401 on a first attempt: wait for a fresh token (one refresh, shared by every waiter in this tab
//   and, through the refresh lock, by every tab), then retry once, marked `authRetried`.
// - 401 on the retry: final. The request rejects ('unauthorized'); the session is kept, because the
//   refresh itself succeeded and later requests may well work.
// - Requests marked `skipAuthRefresh` (login, logout) never trigger a refresh; /refresh and /login
//   do not even pass through here (they use session.authHttp, which has no interceptors).
// - Refresh refused (or no refresh token): every waiter rejects at once with 'session-expired'; the
//   session has already been ended (tokens cleared, tabs told, redirect) by the refresh operation.
// - 403, 5xx, 429 and network errors reject with their own kind and message; no logout.
import axios, { type AxiosError, type AxiosInstance, type AxiosResponse } from 'axios'

import { notify } from '../notices'
import { tracked } from './activity'
import { ApiError, detailOf, kindForStatus } from './errors'
import type { RefreshScheme } from './schemes'
import { API_BASE_URL, endSession } from './session'
import { readAccessToken, readSharedSession } from './tokens'

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Set on the one retry a request gets after a refresh; a 401 on it is final. */
    authRetried?: boolean
    /** The access token this attempt carried (set by the request interceptor). */
    sentAccessToken?: string | null
    /** The token to send instead of the stored one: a retry carries the token its refresh got. */
    accessTokenOverride?: string
    /** Never refresh for this request's 401 (login, logout). */
    skipAuthRefresh?: boolean
    /** Do not show the user a message when this request fails. */
    silent?: boolean
  }
}

/** What the response interceptor does with a failed response: retry it, or reject. */
export type ResponseRecovery = (error: unknown) => Promise<AxiosResponse>

export const http: AxiosInstance = axios.create({ baseURL: API_BASE_URL, timeout: 10_000 })

http.interceptors.request.use((config) => {
  // Read at send time, not at call time, so a request carries the newest token this tab knows.
  // A retry carries exactly the token its refresh produced (the mirror may lag behind it).
  const token = config.accessTokenOverride ?? readAccessToken()
  config.sentAccessToken = token
  if (token) {
    config.headers.set('Authorization', `Bearer ${token}`)
  } else {
    config.headers.delete('Authorization')
  }
  return config
})

/** Tell the user (unless the request is silent) and classify. */
export function reportFailure(error: AxiosError): ApiError {
  if (axios.isCancel(error)) return new ApiError('client', 'cancelled', null, true)
  const status = error.response?.status ?? null
  const kind = kindForStatus(status)
  if (!error.config?.silent) notify(kind)
  return new ApiError(kind, detailOf(error) ?? error.message, status, true)
}

export function createRecovery(scheme: RefreshScheme): ResponseRecovery {
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    const unauthorized = error.response?.status === 401
    if (!unauthorized || config.skipAuthRefresh || config.authRetried) {
      throw reportFailure(error)
    }
    const token = await scheme.freshToken(config.sentAccessToken ?? null)
    return http.request({ ...config, authRetried: true, accessTokenOverride: token })
  }
}

let installed = false

/** Install the response interceptor; once, at start-up (main.ts picks the recovery). */
export function installRecovery(recovery: ResponseRecovery): void {
  if (installed) throw new Error('the response interceptor is already installed')
  installed = true
  http.interceptors.response.use((response) => response, recovery)
}

export interface ProtectedData {
  message: string
  data: string
  user?: string
}

export interface PublicData {
  message: string
}

/** GET /protected. `tag` is sent as a query parameter so that concurrent calls can be told apart
 *  in the network log (the server ignores it). */
export function getProtected(tag?: string): Promise<ProtectedData> {
  return tracked(async () => {
    const response = await http.get<ProtectedData>('/protected', {
      params: tag === undefined ? undefined : { call: tag },
    })
    return response.data
  })
}

export function getPublic(): Promise<PublicData> {
  return tracked(async () => (await http.get<PublicData>('/public')).data)
}

/**
 * Revoke the session on the server, then end it here. The server call goes through the normal
 * interceptor so an expired access token is refreshed first (the server needs a valid one to know
 * which session to revoke); whatever it answers, the local session ends.
 */
export async function logout(): Promise<void> {
  const session = await readSharedSession()
  const refreshToken = session?.mode === 'body' ? session.refreshToken : null
  try {
    await http.post('/logout', refreshToken ? { refresh_token: refreshToken } : undefined, {
      withCredentials: true,
      silent: true,
    })
  } catch {
    // Already logged out server-side, or unreachable: the local logout below still happens.
  }
  endSession('logged-out')
}
