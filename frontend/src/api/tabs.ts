// Cross-tab coordination: one refresh at a time across every tab of the origin, and messages
// (logout, login) from one tab to the others.
//
// Mutual exclusion uses the Web Locks API. Where it is missing, a lease in IndexedDB taken by an
// atomic compare-and-set (one readwrite transaction), with an expiry so a closed tab never blocks
// the others; where IndexedDB is missing too, only the in-tab single flight remains. Messages use
// BroadcastChannel; where it is missing, a `storage` event on a message key.
//
// The lock alone is not enough: the tab that gets it next must also *see* what the previous holder
// stored. The refresh operation therefore reads the authoritative token record (tokens.ts) inside
// the lock, and uses a token another tab has already obtained instead of refreshing again.
import { hasIndexedDb, idbUpdate } from './idb'

const LOCK_NAME = 'dualtoken:refresh'
const CHANNEL_NAME = 'dualtoken'
const LEASE_KEY = 'refresh_lease'
const MESSAGE_KEY = 'dualtoken.message'
/** Longer than the refresh call's timeout, so a live holder never loses its lease. */
const LEASE_MS = 15_000
const LEASE_POLL_MS = 50

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
  if (hasIndexedDb()) return withLease(task)
  return task()
}

interface Lease {
  owner: string
  until: number
}

/** Take the lease if it is free, expired or already ours; true when we hold it afterwards. */
async function tryLease(): Promise<boolean> {
  const now = Date.now()
  const lease = await idbUpdate<Lease>(LEASE_KEY, (old) =>
    old === undefined || old.until < now || old.owner === TAB_ID
      ? { owner: TAB_ID, until: now + LEASE_MS }
      : old,
  )
  return lease?.owner === TAB_ID
}

async function withLease<T>(task: () => Promise<T>): Promise<T> {
  // Waiting longer than one lease means the holder is stuck: its lease has expired by then.
  const giveUpAt = Date.now() + LEASE_MS + 1_000
  let held = false
  try {
    while (!(held = await tryLease()) && Date.now() < giveUpAt) await sleep(LEASE_POLL_MS)
  } catch {
    held = false // IndexedDB failed: go on unlocked rather than hang
  }
  try {
    return await task()
  } finally {
    if (held) {
      await idbUpdate<Lease>(LEASE_KEY, (old) => (old?.owner === TAB_ID ? undefined : old)).catch(
        () => undefined,
      )
    }
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
  const lock = hasWebLocks() ? 'web-locks' : hasIndexedDb() ? 'idb-lease' : 'tab-only'
  const messages = channel ? 'broadcast-channel' : 'storage-event'
  return `${lock}+${messages}`
}
