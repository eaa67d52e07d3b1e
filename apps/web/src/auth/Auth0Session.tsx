/**
 * Sign-in with Auth0 organisation login through `@auth0/auth0-react`: the SDK runs the
 * authorisation code flow with PKCE, and the page reads the claims from its access token.
 */
import { Auth0Provider, useAuth0 } from '@auth0/auth0-react'
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react'
import { AppLayout } from '../components/AppLayout'
import type { Auth0Config } from '../config'
import { readTokenClaims, type TokenClaims } from './claims'
import { type Session, SessionContext } from './session'

export interface Auth0SessionProviderProps {
  config: Auth0Config
  children: ReactNode
}

export function Auth0SessionProvider({ config, children }: Auth0SessionProviderProps) {
  return (
    <Auth0Provider
      domain={config.domain}
      clientId={config.clientId}
      authorizationParams={{
        audience: config.audience,
        redirect_uri: window.location.origin,
        ...(config.organization ? { organization: config.organization } : {}),
      }}
      onRedirectCallback={() => {
        // Drop `code` and `state` from the address bar once the SDK has used them.
        window.history.replaceState({}, document.title, window.location.pathname)
      }}
    >
      <Auth0Gate>{children}</Auth0Gate>
    </Auth0Provider>
  )
}

function Auth0Gate({ children }: { children: ReactNode }) {
  const { isLoading, isAuthenticated, error, loginWithRedirect, logout, getAccessTokenSilently } =
    useAuth0()
  const [claims, setClaims] = useState<TokenClaims>()
  const [rejection, setRejection] = useState<string>()

  const requestAccessToken = useCallback(async () => {
    const token = await getAccessTokenSilently()
    if (!token) {
      throw new Error('Auth0 returned no access token; sign in again')
    }
    return token
  }, [getAccessTokenSilently])

  useEffect(() => {
    if (!isAuthenticated || rejection) {
      return
    }
    let current = true
    requestAccessToken().then(
      (token) => current && setClaims(readTokenClaims(token)),
      (reason: unknown) =>
        current && setRejection(reason instanceof Error ? reason.message : String(reason)),
    )
    return () => {
      current = false
    }
  }, [isAuthenticated, rejection, requestAccessToken])

  const signOut = useCallback(
    (reason?: string) => {
      if (reason) {
        // The server rejected the token: show why and offer a fresh sign-in.
        setClaims(undefined)
        setRejection(reason)
        return
      }
      void logout({ logoutParams: { returnTo: window.location.origin } })
    },
    [logout],
  )

  const session = useMemo<Session | undefined>(
    () =>
      claims && {
        mode: 'auth0',
        claims,
        getAccessToken: requestAccessToken,
        signOut,
      },
    [claims, requestAccessToken, signOut],
  )

  if (isLoading || (isAuthenticated && !rejection && !session)) {
    return (
      <AppLayout mode="auth0">
        <p className="loading" role="status">
          Signing in…
        </p>
      </AppLayout>
    )
  }

  if (!session) {
    const signIn = () => {
      setRejection(undefined)
      void loginWithRedirect({ authorizationParams: invitationParams() })
    }
    return (
      <AppLayout mode="auth0">
        <section className="card" aria-labelledby="sign-in-title">
          <h1 className="card-title" id="sign-in-title">
            Sign in
          </h1>
          <p className="lead">
            Sign in with your organisation's Auth0 account to set up its CAIL organisation.
          </p>
          {(rejection ?? error?.message) && (
            <div className="notice notice-warning" role="alert">
              <p>
                <strong>You were signed out.</strong> {rejection ?? error?.message}
              </p>
            </div>
          )}
          <div className="form-actions">
            <button className="button" type="button" onClick={signIn}>
              Sign in with Auth0
            </button>
          </div>
        </section>
      </AppLayout>
    )
  }

  return (
    <SessionContext.Provider value={session}>
      <AppLayout mode="auth0">{children}</AppLayout>
    </SessionContext.Provider>
  )
}

/** Reads the `invitation` and `organization` parameters of an Auth0 organisation invitation link. */
function invitationParams(): { invitation?: string; organization?: string } {
  const query = new URLSearchParams(window.location.search)
  const invitation = query.get('invitation')
  const organization = query.get('organization')
  return invitation && organization ? { invitation, organization } : {}
}
