/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Backend origin; '' (default) = same origin (served behind the backend, or the dev proxy). */
  readonly VITE_API_BASE?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
