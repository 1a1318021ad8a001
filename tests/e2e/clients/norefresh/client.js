// A client that never refreshes, the way many apps start out: it keeps both tokens the login
// returns, sends the access token on every call, and takes any 401 as the end of the session:
// it clears the tokens and loads the login page (a full page load, not a client-side route).
// It never calls /refresh. Logging out tells the server (with the refresh token) first.
//
// The client suite must say so once (CLIENT-REFRESH-ONCE-01/02 FAIL) and, on every case that
// relies on a refresh, report that premise (SKIP naming CLIENT-REFRESH-ONCE-01): never an
// ERROR, never a FAIL about something else. tests/e2e/test_clients.py asserts exactly that.
'use strict'
;(function () {
  const ACCESS = 'access_token'
  const REFRESH = 'refresh_token'

  function goTo(path) {
    if (window.location.pathname !== path) window.location.assign(path)
  }

  function endSession() {
    localStorage.removeItem(ACCESS)
    localStorage.removeItem(REFRESH)
    goTo('/login')
  }

  async function call(path) {
    const token = localStorage.getItem(ACCESS)
    const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
    if (response.status === 401) {
      endSession()
      throw new Error('logged out')
    }
    if (!response.ok) throw new Error(`answered ${response.status}`)
    return response.json()
  }

  document.getElementById('login-view').addEventListener('submit', async (event) => {
    event.preventDefault()
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        username: document.getElementById('username').value,
        password: document.getElementById('password').value,
      }),
    })
    if (!response.ok) return
    const body = await response.json()
    localStorage.setItem(ACCESS, body.access_token)
    localStorage.setItem(REFRESH, body.refresh_token)
    goTo('/dashboard')
  })

  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await fetch('/logout', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${localStorage.getItem(ACCESS)}`,
        },
        body: JSON.stringify({ refresh_token: localStorage.getItem(REFRESH) }),
      })
    } finally {
      endSession()
    }
  })

  window.fireBurst = async (n) => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: n }, (_, index) => call(`/protected?call=${index}`)),
    )
    const ok = outcomes.filter((outcome) => outcome.status === 'fulfilled').length
    return { ok, failed: n - ok }
  }

  const loggedIn = localStorage.getItem(ACCESS) !== null
  if (!loggedIn && window.location.pathname !== '/login') {
    goTo('/login')
  } else if (loggedIn && window.location.pathname === '/login') {
    goTo('/dashboard')
  } else {
    document.getElementById('login-view').hidden = loggedIn
    document.getElementById('dashboard-view').hidden = !loggedIn
  }
})()
