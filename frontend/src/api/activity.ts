// Counts of API calls in flight and settled, shown in the app shell's status bar.
//
// A call counts as in flight from the moment a view asks for it until its promise settles,
// including the time it spends parked behind a refresh and its retry: exactly the span in which a
// broken client leaves requests hanging. Living outside the views, the counts survive the
// redirect to /login, so a test can see that every request settled after the session ended.
import { reactive } from 'vue'

export interface Activity {
  inflight: number
  succeeded: number
  failed: number
  /** /refresh calls this tab has made. */
  refreshes: number
}

export const activity = reactive<Activity>({ inflight: 0, succeeded: 0, failed: 0, refreshes: 0 })

export async function tracked<T>(call: () => Promise<T>): Promise<T> {
  activity.inflight += 1
  try {
    const result = await call()
    activity.succeeded += 1
    return result
  } catch (error) {
    activity.failed += 1
    throw error
  } finally {
    activity.inflight -= 1
  }
}
