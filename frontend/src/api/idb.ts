// A tiny promise wrapper over one IndexedDB object store, used where tabs need a consistent view.
//
// Why IndexedDB and not only localStorage: Chromium gives each renderer process its own cached
// copy of localStorage and propagates other tabs' writes asynchronously, so a tab that has just
// been granted the refresh lock may still read the token the previous holder replaced. IndexedDB
// transactions run in the browser's storage backend: a transaction started after another one
// committed sees its writes, in every tab. It also gives an atomic read-modify-write, which the
// lock fallback uses as a compare-and-set.

const DB_NAME = 'dualtoken'
const STORE = 'kv'

let opening: Promise<IDBDatabase> | null = null

export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined' && indexedDB !== null
}

function openDb(): Promise<IDBDatabase> {
  if (opening === null) {
    opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1)
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE)
      }
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'))
      request.onblocked = () => reject(new Error('IndexedDB open blocked'))
    })
    // A failed open must not poison every later call.
    opening.catch(() => {
      opening = null
    })
  }
  return opening
}

/** Run `work` in one transaction and resolve, once it has committed, with what `work` set. */
async function transact<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore, settle: (value: T) => void) => void,
): Promise<T> {
  const db = await openDb()
  return new Promise<T>((resolve, reject) => {
    const transaction = db.transaction(STORE, mode)
    let result: T | undefined
    work(transaction.objectStore(STORE), (value) => {
      result = value
    })
    transaction.oncomplete = () => resolve(result as T)
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'))
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'))
  })
}

export function idbGet<T>(key: string): Promise<T | undefined> {
  return transact<T | undefined>('readonly', (store, settle) => {
    const request = store.get(key)
    request.onsuccess = () => settle(request.result as T | undefined)
  })
}

export function idbSet(key: string, value: unknown): Promise<void> {
  return transact<void>('readwrite', (store) => {
    store.put(value, key)
  })
}

export function idbDelete(key: string): Promise<void> {
  return transact<void>('readwrite', (store) => {
    store.delete(key)
  })
}

/**
 * Atomically replace the value at `key` with `change(old)` (undefined deletes it) and resolve with
 * the value now stored. Read and write share one readwrite transaction, which IndexedDB runs
 * exclusively against every other readwrite transaction on the store, in every tab.
 */
export function idbUpdate<T>(key: string, change: (old: T | undefined) => T | undefined): Promise<T | undefined> {
  return transact<T | undefined>('readwrite', (store, settle) => {
    const request = store.get(key)
    request.onsuccess = () => {
      const next = change(request.result as T | undefined)
      if (next === undefined) store.delete(key)
      else store.put(next, key)
      settle(next)
    }
  })
}
