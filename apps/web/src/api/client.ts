import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client'
import type { AppRouter } from './types'

export type ApiClient = TRPCClient<AppRouter>

export interface ApiClientOptions {
  /** Returns the access token sent as `Authorization: Bearer …` on every call. */
  getAccessToken: () => Promise<string>
  /** Origin-relative tRPC endpoint. Default `/trpc`, the same origin as the page. */
  url?: string
  /** Replaces the global fetch; tests pass a fake. */
  fetch?: typeof fetch
}

/** Creates the typed tRPC client; one HTTP request per call, without batching. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: options.url ?? '/trpc',
        fetch: options.fetch,
        async headers() {
          return { authorization: `Bearer ${await options.getAccessToken()}` }
        },
      }),
    ],
  })
}
