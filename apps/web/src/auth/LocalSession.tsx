/**
 * Sign-in against the server's local issuer, for development without Auth0. The form requests
 * a token with the typed-in claims from `POST /local-issuer/token` on the page's origin.
 */
import { type ReactNode, useCallback, useMemo, useState } from 'react'
import { AppLayout } from '../components/AppLayout'
import { isExpired, readTokenClaims, type TokenClaims } from './claims'
import { LocalSignInForm } from './LocalSignInForm'
import { type Session, SessionContext } from './session'

// NOTE: sessionStorage keeps the development token across reloads of this tab only. Auth0
// sessions never use it: the Auth0 SDK keeps its tokens in memory.
const STORAGE_KEY = 'cail.local-issuer.access-token'

interface StoredToken {
  token: string
  claims: TokenClaims
}

export interface LocalSessionProviderProps {
  children: ReactNode
  /** Replaces the global fetch; tests pass a fake. */
  fetch?: typeof fetch
}

/** Shows the local sign-in form until a token is minted, then provides the session. */
export function LocalSessionProvider({ children, fetch: fetchImpl }: LocalSessionProviderProps) {
  const [stored, setStored] = useState<StoredToken | undefined>(restoreToken)
  const [signOutReason, setSignOutReason] = useState<string>()

  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(STORAGE_KEY)
    setStored(undefined)
    setSignOutReason(reason)
  }, [])

  const signIn = useCallback((token: string) => {
    sessionStorage.setItem(STORAGE_KEY, token)
    setStored({ token, claims: readTokenClaims(token) })
    setSignOutReason(undefined)
  }, [])

  const session = useMemo<Session | undefined>(
    () =>
      stored && {
        mode: 'local',
        claims: stored.claims,
        getAccessToken: async () => stored.token,
        signOut,
      },
    [stored, signOut],
  )

  if (!session) {
    return (
      <AppLayout mode="local">
        <LocalSignInForm reason={signOutReason} onSignedIn={signIn} fetch={fetchImpl} />
      </AppLayout>
    )
  }
  return (
    <SessionContext.Provider value={session}>
      <AppLayout mode="local">{children}</AppLayout>
    </SessionContext.Provider>
  )
}

function restoreToken(): StoredToken | undefined {
  const token = sessionStorage.getItem(STORAGE_KEY)
  if (!token) {
    return undefined
  }
  try {
    const claims = readTokenClaims(token)
    if (!isExpired(claims)) {
      return { token, claims }
    }
  } catch {
    // Not a JWT: fall through and forget it.
  }
  sessionStorage.removeItem(STORAGE_KEY)
  return undefined
}
