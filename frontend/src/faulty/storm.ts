// Faulty: no single flight. Each 401 calls /refresh on its own, so ten concurrent requests after
// expiry cost ten refreshes (and, with rotation on, trip reuse detection).
import axios from 'axios'

import { http, reportFailure, type ResponseRecovery } from '../api/client'
import { failRefresh, requestNewTokens } from '../api/session'

export function stormRecovery(): ResponseRecovery {
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    if (error.response?.status !== 401 || config.skipAuthRefresh || config.authRetried) {
      throw reportFailure(error)
    }
    try {
      await requestNewTokens()
    } catch (refreshError) {
      throw failRefresh(refreshError)
    }
    return http.request({ ...config, authRetried: true })
  }
}
