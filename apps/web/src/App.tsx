import { lazy, Suspense } from 'react'
import { ApiProvider } from './api/ApiProvider'
import { LocalSessionProvider } from './auth/LocalSession'
import { auth0Config } from './config'
import { OrganizationPage } from './organizations/OrganizationPage'

// Loaded only in Auth0 builds, so local-issuer builds do not download the Auth0 SDK.
const Auth0SessionProvider = lazy(() =>
  import('./auth/Auth0Session').then((module) => ({ default: module.Auth0SessionProvider })),
)

export function App() {
  const page = (
    <ApiProvider>
      <OrganizationPage />
    </ApiProvider>
  )

  if (auth0Config) {
    return (
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Auth0SessionProvider config={auth0Config}>{page}</Auth0SessionProvider>
      </Suspense>
    )
  }
  return <LocalSessionProvider>{page}</LocalSessionProvider>
}
