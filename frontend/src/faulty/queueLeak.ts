// Faulty: the seed's scheme 1 on refresh failure. The first request is rejected and the user is
// sent to /login, but the queued requests are neither rejected nor dropped: they stay pending, and
// replay as ghost requests after the next successful refresh.
import axios, { type AxiosResponse } from 'axios'

import { http, reportFailure, type ResponseRecovery } from '../api/client'
import { failRefresh, requestNewTokens } from '../api/session'

export function queueLeakRecovery(): ResponseRecovery {
  let isRefreshing = false
  let queue: Array<() => void> = []
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    if (error.response?.status !== 401 || config.skipAuthRefresh || config.authRetried) {
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
      queue.forEach((replay) => replay())
      queue = []
      return http.request({ ...config, authRetried: true })
    } catch (refreshError) {
      throw failRefresh(refreshError) // the fault: `queue` is left as it is
    } finally {
      isRefreshing = false
    }
  }
}
