/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the API lives; '' (default) means the origin that served the app. */
  readonly VITE_API_BASE_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
