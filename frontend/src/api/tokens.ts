// Token storage: the one place that knows where the access and refresh tokens live.
//
// Two copies, written IndexedDB first:
// - IndexedDB holds the authoritative record. The refresh operation reads it while holding the
//   cross-tab lock, because only IndexedDB guarantees that it sees what the previous lock holder
//   (possibly another tab, in another renderer process) wrote. See idb.ts.
// - localStorage mirrors it (keys as in the seed) for what must be synchronous: the Bearer header
//   of a request, the route guard, the status bar, and `storage` events for other tabs. A mirror
//   that lags only costs a 401, which the refresh operation then cures from the authoritative copy.
// Where IndexedDB is missing, localStorage is the only copy.
//
// In cookie mode the refresh token is an HttpOnly cookie script cannot read: neither copy has it.
import { hasIndexedDb, idbDelete, idbGet, idbSet } from './idb'

export const ACCESS_TOKEN_KEY = 'access_token'
export const REFRESH_TOKEN_KEY = 'refresh_token'
export const TOKEN_MODE_KEY = 'token_mode'
export const USERNAME_KEY = 'username'
const SESSION_RECORD = 'session'

/** `body`: the refresh token travels in JSON; `cookie`: the server sets it as an HttpOnly cookie. */
export type TokenMode = 'body' | 'cookie'

export interface IssuedTokens {
  accessToken: string
  /** Absent in cookie mode, and on /refresh answers when rotation is off. */
  refreshToken?: string
}

export interface StoredSession {
  accessToken: string
  refreshToken: string | null
  mode: TokenMode
  username: string
}

type TokensListener = () => void
const listeners: TokensListener[] = []

/** Called after every change of the mirrored tokens, by this tab or (via `storage`) another. */
export function onTokensChanged(listener: TokensListener): void {
  listeners.push(listener)
}

function changed(): void {
  listeners.forEach((listener) => listener())
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event: StorageEvent) => {
    // key null: another tab called localStorage.clear().
    if (event.key === null || event.key === ACCESS_TOKEN_KEY || event.key === TOKEN_MODE_KEY) changed()
  })
}

// --- the synchronous mirror ----------------------------------------------------------------------

export function readAccessToken(): string | null {
  return localStorage.getItem(ACCESS_TOKEN_KEY)
}

export function readTokenMode(): TokenMode {
  return localStorage.getItem(TOKEN_MODE_KEY) === 'cookie' ? 'cookie' : 'body'
}

export function readUsername(): string | null {
  return localStorage.getItem(USERNAME_KEY)
}

export function hasSession(): boolean {
  return readAccessToken() !== null
}

function mirrorSession(): StoredSession | null {
  const accessToken = readAccessToken()
  if (accessToken === null) return null
  return {
    accessToken,
    refreshToken: localStorage.getItem(REFRESH_TOKEN_KEY),
    mode: readTokenMode(),
    username: readUsername() ?? '',
  }
}

function writeMirror(session: StoredSession): void {
  localStorage.setItem(TOKEN_MODE_KEY, session.mode)
  localStorage.setItem(USERNAME_KEY, session.username)
  if (session.refreshToken !== null) localStorage.setItem(REFRESH_TOKEN_KEY, session.refreshToken)
  else localStorage.removeItem(REFRESH_TOKEN_KEY)
  // Written last: other tabs treat the access token's appearance as "logged in".
  localStorage.setItem(ACCESS_TOKEN_KEY, session.accessToken)
  changed()
}

// --- the authoritative record --------------------------------------------------------------------

function isStoredSession(value: unknown): value is StoredSession {
  if (!value || typeof value !== 'object') return false
  const record = value as Partial<StoredSession>
  return (
    typeof record.accessToken === 'string' &&
    (record.refreshToken === null || typeof record.refreshToken === 'string') &&
    (record.mode === 'body' || record.mode === 'cookie') &&
    typeof record.username === 'string'
  )
}

/** The session as every tab agrees on it (IndexedDB), or null when there is none. */
export async function readSharedSession(): Promise<StoredSession | null> {
  if (!hasIndexedDb()) return mirrorSession()
  try {
    const record = await idbGet<unknown>(SESSION_RECORD)
    // No record but a mirrored session: tokens stored before IndexedDB was used (the seed's
    // layout), or a logout whose mirror clear has not reached this tab yet. Either way the
    // server is the judge: a dead refresh token is refused there.
    return isStoredSession(record) ? record : mirrorSession()
  } catch {
    return mirrorSession() // IndexedDB refused (e.g. storage disabled): the mirror is all we have
  }
}

async function writeShared(session: StoredSession): Promise<void> {
  if (hasIndexedDb()) {
    try {
      await idbSet(SESSION_RECORD, session)
    } catch {
      // Keep going with the mirror alone.
    }
  }
  writeMirror(session)
}

/** Store what /login answered; the mode is decided here, once per session. */
export function saveLogin(username: string, tokens: IssuedTokens): Promise<void> {
  return writeShared({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? null,
    mode: tokens.refreshToken ? 'body' : 'cookie',
    username,
  })
}

/** Store what /refresh answered for `session`; a rotated refresh token replaces the old one. */
export async function saveRefreshed(session: StoredSession, tokens: IssuedTokens): Promise<StoredSession> {
  const next: StoredSession = {
    ...session,
    accessToken: tokens.accessToken,
    refreshToken: session.mode === 'body' ? (tokens.refreshToken ?? session.refreshToken) : null,
  }
  await writeShared(next)
  return next
}

/** Forget the session in both copies. The mirror is cleared at once, so this tab is logged out
 *  synchronously; the authoritative record follows (a refresh racing with it fails at the server). */
export function clearTokens(): Promise<void> {
  localStorage.removeItem(ACCESS_TOKEN_KEY)
  localStorage.removeItem(REFRESH_TOKEN_KEY)
  localStorage.removeItem(TOKEN_MODE_KEY)
  localStorage.removeItem(USERNAME_KEY)
  changed()
  return hasIndexedDb() ? idbDelete(SESSION_RECORD).catch(() => undefined) : Promise.resolve()
}
