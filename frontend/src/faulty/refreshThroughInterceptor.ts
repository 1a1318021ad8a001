// Faulty: /refresh is sent through the intercepted client and not excluded from recovery. When
// /refresh answers 401, that 401 asks for a refresh, which is the very refresh it is part of: the
// request waits for itself, and every request queued behind it hangs.
import { createRecovery, http, type ResponseRecovery } from '../api/client'
import { createQueueScheme } from '../api/schemes'
import { failRefresh } from '../api/session'
import { readSharedSession, saveRefreshed } from '../api/tokens'

interface RefreshAnswer {
  access_token: string
  refresh_token?: string
}

export function refreshThroughInterceptorRecovery(): ResponseRecovery {
  return createRecovery(
    createQueueScheme(async () => {
      try {
        const session = await readSharedSession()
        if (session === null) throw new Error('logged out')
        const body = session.refreshToken ? { refresh_token: session.refreshToken } : undefined
        const { data } = await http.post<RefreshAnswer>('/refresh', body, { withCredentials: true })
        await saveRefreshed(
          session,
          data.refresh_token
            ? { accessToken: data.access_token, refreshToken: data.refresh_token }
            : { accessToken: data.access_token },
        )
        return data.access_token
      } catch (error) {
        throw failRefresh(error)
      }
    }),
  )
}
