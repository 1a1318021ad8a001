// A dual-token client on plain fetch.
//
// - Every call carries the newest access token; a 401 gets one shared refresh and one retry.
// - One refresh at a time per tab (a shared promise) and per browser (a Web Lock, under which the
//   tab first re-reads the session from IndexedDB: if another tab already refreshed, it uses that
//   token instead). IndexedDB, not localStorage: Chromium may show one tab another tab's
//   localStorage write only a moment later, and under the lock a stale read means a second
//   refresh that spends an already rotated token.
// - A call whose 401 came back after the token changed does not refresh: it retries with the
//   newer token. So a refresh that finished a moment ago is never repeated.
// - A refused refresh (401/403/400) ends the session: tokens cleared, every waiter rejected at
//   once, the login view shown. A 5xx, 429 or network error fails the waiting calls only.
// - Rotation: a refresh answer's refresh_token replaces the stored one.
// - Cookie mode: when login returns no refresh_token, the HttpOnly cookie is the refresh token.
// - Where the API is: this page's origin by default (the suite serves it from the API). A dev
//   server may inject window.PLAINFETCH_CONFIG = {api, paths, devLogin} (../devserver.py, from its
//   environment), and `?api=<URL>` overrides that for the tab (kept across its reloads).
'use strict'
;(function () {
  const ACCESS = 'access_token'
  const REFRESH = 'refresh_token'
  const COOKIE_MODE = 'dualtoken.cookie_mode'
  const LOCK = 'dualtoken-refresh'
  const REFRESH_TIMEOUT_MS = 10000

  const CONFIG = window.PLAINFETCH_CONFIG || {}
  const API = (() => {
    const fromQuery = new URLSearchParams(window.location.search).get('api')
    if (fromQuery) sessionStorage.setItem('plainfetch.api', fromQuery)
    const base = fromQuery || sessionStorage.getItem('plainfetch.api') || CONFIG.api || ''
    return base.replace(/\/$/, '')
  })()
  const PATHS = {
    login: '/login',
    refresh: '/refresh',
    logout: '/logout',
    protected: '/protected',
    ...(CONFIG.paths || {}),
  }

  class ApiError extends Error {
    constructor(kind, status) {
      super(`${kind}${status ? ` (${status})` : ''}`)
      this.kind = kind
      this.status = status
    }
  }

  let refreshing = null // this tab's refresh in flight, shared by its waiters

  // The session as every tab sees it at once: one IndexedDB record, written before the lock
  // is released. localStorage mirrors it for the synchronous reads of each call.
  function idb(mode, work) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open('plainfetch', 1)
      opening.onupgradeneeded = () => opening.result.createObjectStore('kv')
      opening.onerror = () => reject(opening.error)
      opening.onsuccess = () => {
        const db = opening.result
        const tx = db.transaction('kv', mode)
        const request = work(tx.objectStore('kv'))
        tx.oncomplete = () => {
          db.close()
          resolve(request.result)
        }
        tx.onerror = () => reject(tx.error)
      }
    })
  }
  const readShared = () => idb('readonly', (store) => store.get('session'))
  const writeShared = (session) =>
    idb('readwrite', (store) =>
      session ? store.put(session, 'session') : store.delete('session'),
    )

  function remember(access, refresh) {
    localStorage.setItem(ACCESS, access)
    if (refresh) localStorage.setItem(REFRESH, refresh)
    return writeShared({ access, refresh: refresh || localStorage.getItem(REFRESH) })
  }

  function show(view, reason) {
    const path = view === 'login' ? '/login' : '/dashboard'
    if (window.location.pathname !== path) window.history.pushState({}, '', path)
    document.getElementById('login-view').hidden = view !== 'login'
    document.getElementById('dashboard-view').hidden = view === 'login'
    document.getElementById('login-reason').textContent = reason || ''
  }

  function endSession(reason) {
    localStorage.removeItem(ACCESS)
    localStorage.removeItem(REFRESH)
    writeShared(null).catch(() => {})
    show('login', reason)
  }

  function send(path, token, init = {}) {
    const headers = new Headers(init.headers || {})
    if (token) headers.set('Authorization', `Bearer ${token}`)
    return fetch(API + path, { ...init, headers, credentials: 'same-origin' })
  }

  async function postRefresh() {
    const cookieMode = localStorage.getItem(COOKIE_MODE) === '1'
    const refreshToken = localStorage.getItem(REFRESH)
    if (!cookieMode && !refreshToken) throw new ApiError('session-expired', null)
    let response
    try {
      response = await fetch(API + PATHS.refresh, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(cookieMode ? {} : { refresh_token: refreshToken }),
        // A refresh that never answers must not hold every waiting call (and the lock) forever.
        signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
      })
    } catch (error) {
      throw new ApiError('network', null)
    }
    if ([400, 401, 403].includes(response.status)) throw new ApiError('session-expired', response.status)
    if (!response.ok) throw new ApiError('server', response.status)
    const body = await response.json()
    await remember(body.access_token, body.refresh_token)
    return body.access_token
  }

  // A token newer than `stale`: someone else's if there is one, else from one refresh.
  function freshToken(stale) {
    const current = localStorage.getItem(ACCESS)
    if (current && current !== stale) return Promise.resolve(current)
    // The session ended since this call was sent (its 401 came late): refreshing now would
    // start a second refresh after a refused one (in cookie mode nothing else would stop it).
    if (stale && !current) return Promise.reject(new ApiError('session-expired', null))
    if (!refreshing) {
      const underLock = async () => {
        const shared = await readShared()
        if (shared && shared.access && shared.access !== stale) {
          localStorage.setItem(ACCESS, shared.access)
          if (shared.refresh) localStorage.setItem(REFRESH, shared.refresh)
          return shared.access
        }
        return postRefresh()
      }
      const run = navigator.locks ? navigator.locks.request(LOCK, underLock) : underLock()
      refreshing = run
        .catch((error) => {
          if (error.kind === 'session-expired') endSession('session-expired')
          throw error
        })
        .finally(() => {
          refreshing = null
        })
    }
    return refreshing
  }

  async function call(path) {
    const token = localStorage.getItem(ACCESS)
    let response
    try {
      response = await send(path, token)
      if (response.status === 401) {
        const fresh = await freshToken(token)
        response = await send(path, fresh) // the one retry: its answer is final
      }
    } catch (error) {
      throw error instanceof ApiError ? error : new ApiError('network', null)
    }
    if (!response.ok) throw new ApiError(response.status === 401 ? 'unauthorized' : 'server', response.status)
    return response.json()
  }

  async function login(username, password) {
    const response = await fetch(API + PATHS.login, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ username, password }),
    })
    if (!response.ok) throw new ApiError('login-failed', response.status)
    const body = await response.json()
    if (body.refresh_token) {
      localStorage.removeItem(COOKIE_MODE)
    } else {
      localStorage.setItem(COOKIE_MODE, '1')
    }
    await remember(body.access_token, body.refresh_token)
  }

  async function logout() {
    const token = localStorage.getItem(ACCESS)
    const refreshToken = localStorage.getItem(REFRESH)
    try {
      await send(PATHS.logout, token, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(refreshToken ? { refresh_token: refreshToken } : {}),
      })
    } catch (error) {
      // Logged out locally all the same; the server's copy expires on its own.
    }
    endSession('logged-out')
  }

  document.getElementById('login-view').addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      await login(
        document.getElementById('username').value,
        document.getElementById('password').value,
      )
      show('dashboard')
    } catch (error) {
      document.getElementById('login-reason').textContent = 'login failed'
    }
  })
  document.getElementById('logout').addEventListener('click', logout)

  // Another tab logged in or out: follow it.
  window.addEventListener('storage', (event) => {
    if (event.key === ACCESS || event.key === null) {
      show(localStorage.getItem(ACCESS) ? 'dashboard' : 'login', 'logged-out-elsewhere')
    }
  })
  window.addEventListener('popstate', () => show(localStorage.getItem(ACCESS) ? 'dashboard' : 'login'))

  window.fireBurst = async (n) => {
    const calls = Array.from({ length: n }, (_, index) => call(`${PATHS.protected}?call=${index}`))
    const outcomes = await Promise.allSettled(calls)
    const ok = outcomes.filter((outcome) => outcome.status === 'fulfilled').length
    return { ok, failed: n - ok }
  }

  // For a logout script: resolves once the server was told and the session is gone.
  window.logOut = logout

  if (window.location.pathname === '/dev/login' && CONFIG.devLogin) {
    // A development page that logs in by itself, as many teams have (the suite's [login] url).
    const split = CONFIG.devLogin.indexOf(':')
    login(CONFIG.devLogin.slice(0, split), CONFIG.devLogin.slice(split + 1)).then(
      () => show('dashboard'),
      () => show('login', 'login failed'),
    )
  } else {
    show(localStorage.getItem(ACCESS) ? 'dashboard' : 'login')
  }
})()
