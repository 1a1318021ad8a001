// Test-only: deliberately broken clients, each re-creating one fault of the seed (or a classic
// one) so the e2e suite can prove that its scenarios catch it. Only `vite build --mode faulty`
// bundles this folder; main.ts reaches it behind `import.meta.env.MODE === 'faulty'`.
//
// Select one with `?variant=NAME`; `none` (the default) runs the correct client, as a control.
import type { ResponseRecovery } from '../api/client'
import { selectedVariant } from '../settings'
import { noTabLockRecovery } from './noTabLock'
import { noRedirectRecovery } from './noRedirect'
import { queueLeakRecovery } from './queueLeak'
import { refreshThroughInterceptorRecovery } from './refreshThroughInterceptor'
import { retryDeadlockRecovery } from './retryDeadlock'
import { retryLoopRecovery } from './retryLoop'
import { stormRecovery } from './storm'

const VARIANTS = {
  /** Every 401 starts its own /refresh: no single flight. */
  storm: stormRecovery,
  /** Seed scheme 1: on refresh failure the queued requests are never released. */
  'queue-leak': queueLeakRecovery,
  /** Seed scheme 2: the retry is not marked, so a route that keeps answering 401 loops. */
  'retry-loop': retryLoopRecovery,
  /** Refresh failure rejects the requests but leaves the user logged in on the page. */
  'no-redirect': noRedirectRecovery,
  /** Seed scheme 1: the first request retries while the flag is still set; a 401 there deadlocks. */
  'retry-deadlock': retryDeadlockRecovery,
  /** Single flight inside a tab only: two tabs each refresh (and spend a rotating token twice). */
  'no-tab-lock': noTabLockRecovery,
  /** /refresh goes through the intercepted instance: its own 401 waits for itself. */
  'refresh-through-interceptor': refreshThroughInterceptorRecovery,
} satisfies Record<string, () => ResponseRecovery>

export type FaultyVariant = keyof typeof VARIANTS | 'none'

export const FAULTY_VARIANTS = ['none', ...Object.keys(VARIANTS)] as FaultyVariant[]

export function selectedFaultyVariant(): FaultyVariant {
  return selectedVariant<FaultyVariant>(FAULTY_VARIANTS, 'none')
}

export function chooseRecovery(variant: string, correct: ResponseRecovery): ResponseRecovery {
  if (variant === 'none' || !(variant in VARIANTS)) return correct
  return VARIANTS[variant as keyof typeof VARIANTS]()
}
