import { type ReactNode, useContext } from 'react'
import { SessionContext } from '../auth/session'

export interface AppLayoutProps {
  /** Sign-in method; `local` shows the local issuer banner. */
  mode: 'auth0' | 'local'
  children: ReactNode
}

/** Page frame: skip link, header with the signed-in organisation, and the main landmark. */
export function AppLayout({ mode, children }: AppLayoutProps) {
  const session = useContext(SessionContext)

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <p className="brand">
            <span className="brand-mark" aria-hidden="true">
              C
            </span>
            CAIL Organisations
          </p>
          {session && (
            <div className="account">
              <p className="account-name">
                <span className="visually-hidden">Signed in to Auth0 organisation </span>
                {session.claims.organizationName ??
                  session.claims.organizationId ??
                  'No organisation'}
                {session.claims.organizationId && (
                  <span className="account-id">{session.claims.organizationId}</span>
                )}
              </p>
              <button
                className="button button-secondary"
                type="button"
                onClick={() => session.signOut()}
              >
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      {mode === 'local' && <LocalIssuerBanner />}
      <main className="app-main" id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}

/** States plainly that tokens come from the server's development issuer, not from Auth0. */
export function LocalIssuerBanner() {
  return (
    <div className="banner" role="note">
      <p className="banner-inner">
        <strong>Local issuer.</strong> This page signs in against the server's local issuer, not
        Auth0. Tokens are minted for development only.
      </p>
    </div>
  )
}
