import { createContext, useContext } from 'react'
import type { TokenClaims } from './claims'

/** A signed-in caller, from Auth0 or from the server's local issuer. */
export interface Session {
  mode: 'auth0' | 'local'
  claims: TokenClaims
  /** Returns an access token for the API, renewing it when the identity provider can. */
  getAccessToken(): Promise<string>
  /** Ends the session. A `reason` is shown on the sign-in screen, for example why the server rejected the token. */
  signOut(reason?: string): void
}

export const SessionContext = createContext<Session | undefined>(undefined)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) {
    throw new Error('useSession must be called inside a signed-in session provider')
  }
  return session
}
