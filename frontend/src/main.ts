// Start-up: choose the client's concurrency scheme (and, in the test-only faulty build, a broken
// variant), wire session events to the router, and mount the app.
import { createApp } from 'vue'

import { createRecovery, installRecovery } from './api/client'
import { createScheme } from './api/schemes'
import { listenToOtherTabs, refreshOnce, setSessionHooks } from './api/session'
import App from './App.vue'
import { router } from './router'
import { selectedScheme } from './settings'
import { installUi } from './ui'

async function start(): Promise<void> {
  const scheme = createScheme(selectedScheme(), refreshOnce)
  let recovery = createRecovery(scheme)
  let variant: string | null = null
  // A compile-time constant: `vite build` folds this to false and drops the faulty chunk.
  if (import.meta.env.MODE === 'faulty') {
    const faulty = await import('./faulty')
    variant = faulty.selectedFaultyVariant()
    recovery = faulty.chooseRecovery(variant, recovery)
  }
  installRecovery(recovery)

  setSessionHooks({
    ended(reason) {
      void router.replace({ name: 'login', query: { reason } })
    },
    startedElsewhere() {
      if (router.currentRoute.value.name === 'login') void router.replace({ name: 'dashboard' })
    },
  })
  listenToOtherTabs()

  const app = createApp(App, { schemeName: scheme.name, variant }).use(router)
  installUi(app)
  app.mount('#app')
}

void start()
