// Runtime choices read from the URL once per tab and kept in sessionStorage, so that
// `/dashboard?scheme=promise` sticks across the app's own navigations and reloads of that tab.
import { SCHEME_NAMES, type SchemeName } from './api/schemes'

function choose<T extends string>(param: string, allowed: readonly T[], fallback: T): T {
  const storageKey = `dualtoken.${param}`
  const fromUrl = new URLSearchParams(window.location.search).get(param)
  if (fromUrl !== null && (allowed as readonly string[]).includes(fromUrl)) {
    sessionStorage.setItem(storageKey, fromUrl)
    return fromUrl as T
  }
  const stored = sessionStorage.getItem(storageKey)
  if (stored !== null && (allowed as readonly string[]).includes(stored)) return stored as T
  return fallback
}

/** `?scheme=queue|promise`: which of the seed's two concurrency schemes the client uses. */
export function selectedScheme(): SchemeName {
  return choose<SchemeName>('scheme', SCHEME_NAMES, 'queue')
}

/** `?variant=NAME`: only read by the test-only faulty build (vite build --mode faulty). */
export function selectedVariant<T extends string>(allowed: readonly T[], fallback: T): T {
  return choose<T>('variant', allowed, fallback)
}
