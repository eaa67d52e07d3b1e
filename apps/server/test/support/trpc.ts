/**
 * A typed tRPC client for the test server, as the web client builds it, that also records the
 * status and headers of every HTTP response it receives.
 */
import type { AppRouter } from '@cail/api'
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from '@trpc/client'
import { expect } from 'vitest'

export interface RecordedResponse {
  status: number
  headers: Headers
}

export interface TestTrpcClient {
  client: TRPCClient<AppRouter>
  /** Every HTTP response, in arrival order. */
  responses: RecordedResponse[]
}

/** Creates a client that sends one HTTP request per call (httpLink, no batching). */
export function createTestTrpcClient(baseUrl: string, token?: string): TestTrpcClient {
  const responses: RecordedResponse[] = []
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        async fetch(url, init) {
          const response = await fetch(url, init)
          responses.push({ status: response.status, headers: response.headers })
          return response
        },
      }),
    ],
  })
  return { client, responses }
}

/** Awaits `call`, checks that it failed with a TRPCClientError, and returns that error. */
export async function captureClientError(
  call: Promise<unknown>,
): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(TRPCClientError)
  return error as TRPCClientError<AppRouter>
}
