import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { createContext, type ReactNode, useContext, useRef, useState } from 'react'
import { useSession } from '../auth/session'
import { type ApiClient, createApiClient } from './client'
import { readApiFailure } from './errors'

const ApiClientContext = createContext<ApiClient | undefined>(undefined)

export interface ApiProviderProps {
  children: ReactNode
  /** Replaces the global fetch for API calls; tests pass a fake. */
  fetch?: typeof fetch
}

/**
 * Provides the tRPC client and a query cache for the signed-in session. A call rejected with
 * 401 ends the session, so the sign-in screen shows the server's reason.
 */
export function ApiProvider({ children, fetch: fetchImpl }: ApiProviderProps) {
  // The client and cache live as long as this provider. They read the session through the ref,
  // so a renewed token is used without rebuilding them.
  const session = useSession()
  const sessionRef = useRef(session)
  sessionRef.current = session

  const [client] = useState(() =>
    createApiClient({
      getAccessToken: () => sessionRef.current.getAccessToken(),
      fetch: fetchImpl,
    }),
  )
  const [queryClient] = useState(() => {
    const signOutWhenUnauthenticated = (error: unknown) => {
      const failure = readApiFailure(error)
      if (failure.kind === 'unauthenticated') {
        sessionRef.current.signOut(failure.summary)
      }
    }
    return new QueryClient({
      queryCache: new QueryCache({ onError: signOutWhenUnauthenticated }),
      mutationCache: new MutationCache({ onError: signOutWhenUnauthenticated }),
      defaultOptions: {
        // Failures are shown with a retry button; automatic retries would hide them for seconds.
        queries: { retry: false, refetchOnWindowFocus: false, staleTime: 60_000 },
        mutations: { retry: false },
      },
    })
  })

  return (
    <ApiClientContext.Provider value={client}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </ApiClientContext.Provider>
  )
}

export function useApiClient(): ApiClient {
  const client = useContext(ApiClientContext)
  if (!client) {
    throw new Error('useApiClient must be called inside ApiProvider')
  }
  return client
}
