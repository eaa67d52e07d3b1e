/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AUTH0_DOMAIN?: string
  readonly VITE_AUTH0_CLIENT_ID?: string
  readonly VITE_AUTH0_AUDIENCE?: string
  readonly VITE_AUTH0_ORGANIZATION?: string
  readonly VITE_ORG_NAME_CLAIM?: string
  readonly VITE_CLAIM_NAMESPACE?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
