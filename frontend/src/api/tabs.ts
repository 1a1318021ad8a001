// Cross-tab coordination: one refresh at a time across every tab of the origin, and messages
// (logout, login) from one tab to the others.
//
// Mutual exclusion uses the Web Locks API; where it is missing, a best-effort lease in
// localStorage (write, wait, re-read: the last writer wins) with an expiry so a closed tab never
// blocks the others. Messages use BroadcastChannel; where it is missing, a `storage` event on a
// message key. Either way a tab that gets the lock re-reads the stored tokens before refreshing,
// which is what actually keeps two tabs from spending the same (rotating) refresh token twice.

const LOCK_NAME = 'dualtoken:refresh'
const CHANNEL_NAME = 'dualtoken'
const LEASE_KEY = 'dualtoken.refresh_lease'
const MESSAGE_KEY = 'dualtoken.message'
/** Longer than the refresh call's timeout, so a live holder never loses its lease. */
const LEASE_MS = 15_000
const LEASE_SETTLE_MS = 30
const LEASE_POLL_MS = 100

export type TabMessage =
  | { type: 'logout'; reason: 'logged-out' | 'session-expired' }
  | { type: 'login' }

const TAB_ID = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function hasWebLocks(): boolean {
  return typeof navigator !== 'undefined' && navigator.locks?.request !== undefined
}

/** Run `task` while holding the cross-tab refresh lock. */
export function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  if (hasWebLocks()) {
    // The lock's promise settles with the callback's own result (DOM typings nest the Promise).
    return navigator.locks.request(LOCK_NAME, task) as unknown as Promise<T>
  }
  return withStorageLease(task)
}

interface Lease {
  owner: string
  until: number
}

function readLease(): Lease | null {
  const raw = localStorage.getItem(LEASE_KEY)
  if (!raw) return null
  try {
    const lease = JSON.parse(raw) as Partial<Lease>
    return typeof lease.owner === 'string' && typeof lease.until === 'number'
      ? { owner: lease.owner, until: lease.until }
      : null
  } catch {
    return null
  }
}

function waitForLeaseChange(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      window.removeEventListener('storage', onStorage)
      clearTimeout(timer)
      resolve()
    }
    const onStorage = (event: StorageEvent): void => {
      if (event.key === LEASE_KEY) done()
    }
    const timer = setTimeout(done, ms)
    window.addEventListener('storage', onStorage)
  })
}

async function acquireLease(): Promise<void> {
  // Waiting longer than one lease means the holder is gone or stuck: proceed rather than hang.
  const giveUpAt = Date.now() + LEASE_MS
  while (Date.now() < giveUpAt) {
    const lease = readLease()
    if (lease === null || lease.until < Date.now() || lease.owner === TAB_ID) {
      localStorage.setItem(LEASE_KEY, JSON.stringify({ owner: TAB_ID, until: Date.now() + LEASE_MS }))
      await sleep(LEASE_SETTLE_MS)
      if (readLease()?.owner === TAB_ID) return
    }
    await waitForLeaseChange(LEASE_POLL_MS)
  }
}

function releaseLease(): void {
  if (readLease()?.owner === TAB_ID) localStorage.removeItem(LEASE_KEY)
}

async function withStorageLease<T>(task: () => Promise<T>): Promise<T> {
  await acquireLease()
  try {
    return await task()
  } finally {
    releaseLease()
  }
}

const channel: BroadcastChannel | null =
  typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : null

/** Tell every other tab of this origin; the sending tab does not receive its own message. */
export function broadcast(message: TabMessage): void {
  if (channel) {
    channel.postMessage(message)
    return
  }
  // The nonce makes two equal messages in a row still change the value, hence fire the event.
  const nonce = Math.random().toString(36).slice(2)
  localStorage.setItem(MESSAGE_KEY, JSON.stringify({ ...message, nonce }))
}

function isTabMessage(value: unknown): value is TabMessage {
  if (!value || typeof value !== 'object') return false
  const message = value as { type?: unknown; reason?: unknown }
  if (message.type === 'login') return true
  return (
    message.type === 'logout' &&
    (message.reason === 'logged-out' || message.reason === 'session-expired')
  )
}

export function onTabMessage(listener: (message: TabMessage) => void): void {
  if (channel) {
    channel.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isTabMessage(event.data)) listener(event.data)
    })
    return
  }
  window.addEventListener('storage', (event: StorageEvent) => {
    if (event.key !== MESSAGE_KEY || event.newValue === null) return
    try {
      const parsed: unknown = JSON.parse(event.newValue)
      if (isTabMessage(parsed)) listener(parsed)
    } catch {
      // Not ours or corrupted: ignore rather than break the page.
    }
  })
}

/** For the status bar: which mechanisms this browser gave us. */
export function coordinationMechanisms(): string {
  const lock = hasWebLocks() ? 'web-locks' : 'storage-lease'
  const messages = channel ? 'broadcast-channel' : 'storage-event'
  return `${lock}+${messages}`
}
