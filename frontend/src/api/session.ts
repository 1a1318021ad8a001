// The session: login, the one refresh operation that every concurrency scheme shares, and the
// single place where a session ends (tokens cleared, other tabs told, user sent to /login).
import axios from 'axios'

import { notify } from '../notices'
import { activity } from './activity'
import { ApiError, detailOf, kindForStatus, statusOf } from './errors'
import { broadcast, onTabMessage, withRefreshLock } from './tabs'
import {
  clearTokens,
  hasSession,
  readSharedSession,
  saveLogin,
  saveRefreshed,
  type StoredSession,
} from './tokens'

export type EndReason = 'session-expired' | 'logged-out' | 'logged-out-elsewhere'

export interface SessionHooks {
  /** Navigate away from protected pages; called once per ended session in each tab. */
  ended(reason: EndReason): void
  /** Another tab logged in. */
  startedElsewhere(): void
}

let hooks: SessionHooks = { ended: () => undefined, startedElsewhere: () => undefined }

export function setSessionHooks(next: SessionHooks): void {
  hooks = next
}

export const API_BASE_URL: string = import.meta.env.VITE_API_BASE_URL ?? ''
/** A refresh that hangs must not hold every waiting request (and the cross-tab lock) forever. */
export const REFRESH_TIMEOUT_MS = 10_000

/**
 * A bare Axios instance for /login and /refresh: it has no interceptors, so a failing refresh can
 * never trigger another refresh. withCredentials lets the refresh cookie travel even when the API
 * is on another origin (same-origin requests send it anyway).
 */
export const authHttp = axios.create({
  baseURL: API_BASE_URL,
  timeout: REFRESH_TIMEOUT_MS,
  withCredentials: true,
})

interface TokenAnswer {
  access_token?: unknown
  refresh_token?: unknown
}

function parseTokens(data: unknown): { accessToken: string; refreshToken?: string } {
  const answer = (data ?? {}) as TokenAnswer
  if (typeof answer.access_token !== 'string' || answer.access_token === '') {
    throw new ApiError('server', 'token answer without access_token', null, false)
  }
  const refreshToken = typeof answer.refresh_token === 'string' ? answer.refresh_token : undefined
  return refreshToken
    ? { accessToken: answer.access_token, refreshToken }
    : { accessToken: answer.access_token }
}

export async function login(username: string, password: string): Promise<void> {
  const { data } = await authHttp.post<unknown>('/login', { username, password })
  await saveLogin(username, parseTokens(data))
  broadcast({ type: 'login' })
}

/**
 * POST /refresh for `session` (default: the stored one) and store the answer; no locking, no
 * checks. Rejects with an ApiError whose kind is 'session-expired' when the server refuses the
 * refresh token (or there is none to send), and a transient kind (server, network, rate-limited)
 * otherwise.
 */
export async function requestNewTokens(session?: StoredSession | null): Promise<string> {
  const current = session === undefined ? await readSharedSession() : session
  if (current === null) {
    throw new ApiError('session-expired', 'logged out', null, false)
  }
  if (current.mode === 'body' && current.refreshToken === null) {
    throw new ApiError('session-expired', 'no refresh token', null, false)
  }
  try {
    // Cookie mode: no body; the browser sends the HttpOnly cookie scoped to /refresh.
    const body = current.mode === 'body' ? { refresh_token: current.refreshToken } : undefined
    activity.refreshes += 1
    const { data } = await authHttp.post<unknown>('/refresh', body)
    return (await saveRefreshed(current, parseTokens(data))).accessToken
  } catch (error) {
    if (error instanceof ApiError) throw error
    const status = statusOf(error)
    // 400 (no token sent), 401 (refused) and 403 mean this session cannot be refreshed, ever.
    const final = status === 400 || status === 401 || status === 403
    const kind = final ? 'session-expired' : kindForStatus(status)
    throw new ApiError(kind, detailOf(error) ?? `refresh failed (${status ?? 'no answer'})`, status, false)
  }
}

/**
 * End the session in this tab: clear tokens, tell the other tabs (unless they told us), tell the
 * user, and leave protected pages. Safe to call more than once: only the first call with a live
 * session broadcasts and shows a message.
 */
export function endSession(reason: EndReason): void {
  const hadSession = hasSession()
  void clearTokens()
  if (hadSession && reason !== 'logged-out-elsewhere') {
    broadcast({ type: 'logout', reason: reason === 'logged-out' ? 'logged-out' : 'session-expired' })
  }
  if (hadSession) notify(reason)
  hooks.ended(reason)
}

/**
 * The refresh operation: called by at most one caller per tab at a time (the scheme sees to that)
 * and serialised across tabs by the refresh lock. Inside the lock it reads the authoritative token
 * record: if another tab, or an earlier refresh in this tab, has already replaced the token the
 * caller's request was sent with, that token is the answer and no /refresh is made. That check is
 * what makes ten 401s arriving over a few hundred milliseconds cost exactly one refresh, and two
 * tabs never present the same rotating refresh token twice.
 *
 * On failure the session is ended here, once, and the rejection is marked as reported.
 */
export async function refreshOnce(staleToken: string | null): Promise<string> {
  try {
    return await withRefreshLock(async () => {
      const session = await readSharedSession()
      if (session !== null && session.accessToken !== staleToken) return session.accessToken
      try {
        return await requestNewTokens(session)
      } catch (error) {
        // A login in another tab (it takes no lock) may have replaced the session this refresh
        // was for: then this failure says nothing about the session now stored.
        const now = session === null ? null : await readSharedSession()
        if (now !== null && now.accessToken !== session?.accessToken) return now.accessToken
        throw error
      }
    })
  } catch (error) {
    throw failRefresh(error)
  }
}

/** Turn a refresh failure into the error every waiting request rejects with, telling the user once. */
export function failRefresh(error: unknown): ApiError {
  const failure =
    error instanceof ApiError ? error : new ApiError('network', String(error), null, false)
  if (failure.kind === 'session-expired') {
    endSession('session-expired')
  } else {
    notify(failure.kind)
  }
  return new ApiError(failure.kind, failure.message, failure.status, true)
}

export function listenToOtherTabs(): void {
  onTabMessage((message) => {
    if (message.type === 'login') {
      hooks.startedElsewhere()
      return
    }
    // The sender has already cleared the shared storage; this tab only has to show it.
    notify(message.reason === 'session-expired' ? 'session-expired' : 'logged-out-elsewhere')
    void clearTokens()
    hooks.ended(message.reason === 'session-expired' ? 'session-expired' : 'logged-out-elsewhere')
  })
}
