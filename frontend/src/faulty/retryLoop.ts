// Faulty: the seed's scheme 2, whose retry carries no "already retried" mark. A protected route
// that keeps answering 401 to fresh tokens makes it refresh and retry again and again. The loop is
// capped at MAX_ROUNDS only so that a broken run cannot hammer the server for the rest of a test.
import axios from 'axios'

import { http, reportFailure, type ResponseRecovery } from '../api/client'
import { createPromiseScheme } from '../api/schemes'
import { refreshOnce } from '../api/session'

const MAX_ROUNDS = 200

export function retryLoopRecovery(): ResponseRecovery {
  const scheme = createPromiseScheme(refreshOnce)
  let rounds = 0
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    if (error.response?.status !== 401 || config.skipAuthRefresh || rounds >= MAX_ROUNDS) {
      throw reportFailure(error)
    }
    rounds += 1
    await scheme.freshToken(config.sentAccessToken ?? null)
    return http.request({ ...config }) // the fault: not marked authRetried
  }
}
