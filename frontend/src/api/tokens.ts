// Token storage: the one place that knows where the access and refresh tokens live.
//
// localStorage (as in the seed) so that every tab of the origin sees the same tokens and a reload
// keeps the session. In cookie mode the server keeps the refresh token in an HttpOnly cookie that
// script cannot read; then only the access token and the mode marker are stored here.

export const ACCESS_TOKEN_KEY = 'access_token'
export const REFRESH_TOKEN_KEY = 'refresh_token'
export const TOKEN_MODE_KEY = 'token_mode'
export const USERNAME_KEY = 'username'

/** `body`: the refresh token travels in JSON; `cookie`: the server sets it as an HttpOnly cookie. */
export type TokenMode = 'body' | 'cookie'

export interface IssuedTokens {
  accessToken: string
  /** Absent in cookie mode, and on /refresh answers when rotation is off. */
  refreshToken?: string
}

type TokensListener = () => void
const listeners: TokensListener[] = []

/** Called after every change of the stored tokens, by this tab or (via `storage`) another one. */
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

export function readAccessToken(): string | null {
  return localStorage.getItem(ACCESS_TOKEN_KEY)
}

export function readRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_TOKEN_KEY)
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

/** Store what /login answered; the mode is decided here, once per session. */
export function saveLogin(username: string, tokens: IssuedTokens): void {
  const mode: TokenMode = tokens.refreshToken ? 'body' : 'cookie'
  localStorage.setItem(TOKEN_MODE_KEY, mode)
  localStorage.setItem(USERNAME_KEY, username)
  if (tokens.refreshToken) {
    localStorage.setItem(REFRESH_TOKEN_KEY, tokens.refreshToken)
  } else {
    // A refresh token left over from an earlier body-mode session must not outlive it.
    localStorage.removeItem(REFRESH_TOKEN_KEY)
  }
  // Written last: other tabs treat the access token's appearance as "logged in".
  localStorage.setItem(ACCESS_TOKEN_KEY, tokens.accessToken)
  changed()
}

/** Store what /refresh answered. A rotated refresh token is written before the access token so
 *  that a tab which sees the new access token also sees the refresh token that goes with it. */
export function saveRefreshed(tokens: IssuedTokens): void {
  if (tokens.refreshToken && readTokenMode() === 'body') {
    localStorage.setItem(REFRESH_TOKEN_KEY, tokens.refreshToken)
  }
  localStorage.setItem(ACCESS_TOKEN_KEY, tokens.accessToken)
  changed()
}

export function clearTokens(): void {
  localStorage.removeItem(ACCESS_TOKEN_KEY)
  localStorage.removeItem(REFRESH_TOKEN_KEY)
  localStorage.removeItem(TOKEN_MODE_KEY)
  localStorage.removeItem(USERNAME_KEY)
  changed()
}
