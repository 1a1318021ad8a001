// Faulty: single flight inside one tab, but nothing across tabs and no look at what the other tab
// stored. Two tabs that meet an expired token each call /refresh; with rotation on, the second
// presents a refresh token the first already spent, and the server revokes the session.
import { createRecovery, type ResponseRecovery } from '../api/client'
import { createPromiseScheme } from '../api/schemes'
import { failRefresh, requestNewTokens } from '../api/session'

export function noTabLockRecovery(): ResponseRecovery {
  return createRecovery(
    createPromiseScheme(async () => {
      try {
        return await requestNewTokens()
      } catch (error) {
        throw failRefresh(error)
      }
    }),
  )
}
