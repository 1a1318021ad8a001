// Vite build for the dualtoken client.
//
// `vite build` makes the shipped app (frontend/dist). `vite build --mode faulty` makes the
// test-only build with the deliberately broken clients the e2e suite must catch; the default
// build drops that code entirely because every path to it is behind `import.meta.env.MODE`.
// `vite` (dev) proxies the API to VITE_API_PROXY (default http://127.0.0.1:8000) so the app
// and the API share one origin, as they do when the reference server serves the build.
import { fileURLToPath, URL } from 'node:url'
import type { IncomingMessage } from 'node:http'

import vue from '@vitejs/plugin-vue'
import { defineConfig, loadEnv, type ProxyOptions } from 'vite'

const API_PATHS = ['/login', '/refresh', '/logout', '/protected', '/public', '/healthz', '/__test__']

/** Browser navigations (HTML) to /login stay with the SPA; API calls go to the server. */
function keepPageNavigations(req: IncomingMessage): string | undefined {
  const acceptsHtml = req.headers.accept?.includes('text/html') ?? false
  return req.method === 'GET' && acceptsHtml ? '/index.html' : undefined
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_')
  const target = env.VITE_API_PROXY || 'http://127.0.0.1:8000'
  const proxy: Record<string, ProxyOptions> = Object.fromEntries(
    API_PATHS.map((path) => [path, { target, changeOrigin: false, bypass: keepPageNavigations }]),
  )
  return {
    plugins: [vue()],
    resolve: {
      alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
    },
    server: { host: '127.0.0.1', proxy },
    preview: { host: '127.0.0.1', proxy },
    build: {
      // Element Plus is large; one vendor chunk keeps the page load to a few requests.
      chunkSizeWarningLimit: 1500,
      sourcemap: mode === 'faulty',
    },
  }
})
