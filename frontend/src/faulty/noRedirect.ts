// Faulty: a refresh failure rejects the waiting requests but does not end the session: the dead
// tokens stay stored, nothing is said, and the user stays on a dashboard where nothing works.
import axios from 'axios'

import { http, reportFailure, type ResponseRecovery } from '../api/client'
import { createPromiseScheme } from '../api/schemes'
import { requestNewTokens } from '../api/session'
import { withRefreshLock } from '../api/tabs'
import { readSharedSession } from '../api/tokens'

export function noRedirectRecovery(): ResponseRecovery {
  const scheme = createPromiseScheme((staleToken) =>
    withRefreshLock(async () => {
      const session = await readSharedSession()
      if (session !== null && session.accessToken !== staleToken) return session.accessToken
      return requestNewTokens(session)
    }),
  )
  return async (error) => {
    if (!axios.isAxiosError(error) || !error.config) throw error
    const config = error.config
    if (error.response?.status !== 401 || config.skipAuthRefresh || config.authRetried) {
      throw reportFailure(error)
    }
    // The fault: a failure here is passed on as it is; the session is never ended.
    const token = await scheme.freshToken(config.sentAccessToken ?? null)
    return http.request({ ...config, authRetried: true, accessTokenOverride: token })
  }
}
