// The seed's two ways to make concurrent 401s share one refresh, both made correct.
//
// Scheme 1 (queue): an `isRefreshing` flag and a queue of waiters. The seed released the queue only
// after the first request's own retry had finished (so a retry answering 401 deadlocked every later
// request) and never released it on failure (so waiters hung, then replayed as ghosts). Here the
// queue is released, on success and on failure alike, the moment the refresh settles, and it is
// swapped out before anyone is called so a waiter can never be called twice.
//
// Scheme 2 (shared promise): one promise for the refresh in flight. The seed created it with
// `new Promise(async ...)` and `throw`, which leaves it pending forever when there is no refresh
// token. Here the promise is the refresh operation's own, so every failure rejects it.
//
// Both hand the same refresh operation (session.refreshOnce) to the same callers; only the way
// waiters are parked differs, so they behave the same from outside.

export type SchemeName = 'queue' | 'promise'
export const SCHEME_NAMES: readonly SchemeName[] = ['queue', 'promise']

export type RefreshOperation = (staleToken: string | null) => Promise<string>

export interface RefreshScheme {
  readonly name: SchemeName
  /**
   * A usable access token newer than `staleToken` (the one the failed request carried). However
   * many callers ask while a refresh is running, the operation runs once and all get its result.
   */
  freshToken(staleToken: string | null): Promise<string>
}

interface Waiter {
  resolve(token: string): void
  reject(reason: unknown): void
}

export function createQueueScheme(refresh: RefreshOperation): RefreshScheme {
  let isRefreshing = false
  let waiters: Waiter[] = []

  function release(settle: (waiter: Waiter) => void): void {
    const batch = waiters
    waiters = []
    isRefreshing = false
    batch.forEach(settle)
  }

  return {
    name: 'queue',
    freshToken(staleToken) {
      return new Promise<string>((resolve, reject) => {
        waiters.push({ resolve, reject })
        if (isRefreshing) return
        isRefreshing = true
        refresh(staleToken).then(
          (token) => release((waiter) => waiter.resolve(token)),
          (error: unknown) => release((waiter) => waiter.reject(error)),
        )
      })
    },
  }
}

export function createPromiseScheme(refresh: RefreshOperation): RefreshScheme {
  let inFlight: Promise<string> | null = null

  return {
    name: 'promise',
    freshToken(staleToken) {
      if (inFlight === null) {
        inFlight = refresh(staleToken).finally(() => {
          inFlight = null
        })
      }
      return inFlight
    },
  }
}

export function createScheme(name: SchemeName, refresh: RefreshOperation): RefreshScheme {
  return name === 'promise' ? createPromiseScheme(refresh) : createQueueScheme(refresh)
}
