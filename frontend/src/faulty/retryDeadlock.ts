// Faulty: the seed's scheme 1 as published. The request that started the refresh retries while
// `isRefreshing` is still true and releases the queue only after its retry returns. If that retry
// gets 401, it joins the queue it was supposed to release: it never settles, the flag stays set,
// and every later 401 waits forever.
import axios, { type AxiosResponse } from 'axios'

import { http, reportFailure, type ResponseRecovery } from '../api/client'
import { failRefresh, requestNewTokens } from '../api/session'

export function retryDeadlockRecovery(): ResponseRecovery {
  let isRefreshing = false
  let queue: Array<() => void> = []
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    if (error.response?.status !== 401 || config.skipAuthRefresh) {
      throw reportFailure(error)
    }
    if (isRefreshing) {
      return new Promise<AxiosResponse>((resolve) => {
        queue.push(() => resolve(http.request({ ...config, authRetried: true })))
      })
    }
    isRefreshing = true
    try {
      await requestNewTokens()
      const result = await http.request({ ...config, authRetried: true })
      queue.forEach((replay) => replay())
      queue = []
      return result
    } catch (refreshError) {
      queue = []
      throw failRefresh(refreshError)
    } finally {
      isRefreshing = false
    }
  }
}
