/** Requests a development token from the server's local issuer on the page's origin. */

export const LOCAL_TOKEN_PATH = '/local-issuer/token'

/** Claims to put in the token, as typed into the sign-in form. */
export interface LocalSignInValues {
  orgId: string
  orgName: string
  jurisdictionId: string
  /** Separated by spaces or commas. */
  permissions: string
}

export type TokenResult = { token: string } | { problem: string }

/** Returns the minted token, or a sentence saying why none was minted. */
export async function requestLocalToken(
  values: LocalSignInValues,
  fetchImpl: typeof fetch,
): Promise<TokenResult> {
  const body = {
    orgId: values.orgId.trim() || undefined,
    orgName: values.orgName.trim() || undefined,
    jurisdictionId: values.jurisdictionId.trim() || undefined,
    permissions: values.permissions.split(/[\s,]+/).filter(Boolean),
  }

  let response: Response
  try {
    response = await fetchImpl(LOCAL_TOKEN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch {
    return { problem: 'The server could not be reached. Check that it is running and try again.' }
  }

  const payload = (await response.json().catch(() => undefined)) as
    | { access_token?: unknown; message?: unknown }
    | undefined
  if (response.ok && typeof payload?.access_token === 'string') {
    return { token: payload.access_token }
  }
  if (response.status === 404) {
    return {
      problem:
        'This server has no local issuer because it verifies Auth0 tokens. Build the web client with VITE_AUTH0_DOMAIN, VITE_AUTH0_CLIENT_ID and VITE_AUTH0_AUDIENCE.',
    }
  }
  const message = Array.isArray(payload?.message)
    ? payload.message.join('; ')
    : typeof payload?.message === 'string'
      ? payload.message
      : `the local issuer returned HTTP ${response.status}`
  return { problem: `The local issuer rejected the request: ${message}` }
}
