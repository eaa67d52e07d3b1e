import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { Auth0SessionProvider } from '../../src/auth/Auth0Session'
import { useSession } from '../../src/auth/session'
import type { Auth0Config } from '../../src/config'
import { fakeToken, JURISDICTION_CLAIM } from './fake-api'

// The SDK talks to a real Auth0 tenant, which tests cannot reach; its hook is replaced and the
// provider passes its configuration through.
const auth0 = vi.hoisted(() => ({
  state: {} as Record<string, unknown>,
  providerProps: undefined as Record<string, unknown> | undefined,
}))

vi.mock('@auth0/auth0-react', () => ({
  Auth0Provider: (props: { children: unknown }) => {
    auth0.providerProps = props
    return props.children
  },
  useAuth0: () => auth0.state,
}))

const CONFIG: Auth0Config = {
  domain: 'cail.eu.auth0.com',
  clientId: 'spa-client-id',
  audience: 'https://operator-api.cail.health',
  organization: 'org_lambeth01',
}

function ShowClaims() {
  const session = useSession()
  return (
    <p>
      {session.mode}: {session.claims.organizationId} in {session.claims.jurisdictionId}
    </p>
  )
}

beforeEach(() => {
  auth0.providerProps = undefined
  auth0.state = {
    isLoading: false,
    isAuthenticated: false,
    error: undefined,
    loginWithRedirect: vi.fn(async () => {}),
    logout: vi.fn(async () => {}),
    getAccessTokenSilently: vi.fn(async () => fakeToken({ [JURISDICTION_CLAIM]: 'jur_uk_wls' })),
  }
})

describe('Auth0 sign-in', () => {
  it('configures organisation login', () => {
    render(
      <Auth0SessionProvider config={CONFIG}>
        <ShowClaims />
      </Auth0SessionProvider>,
    )

    expect(auth0.providerProps).toMatchObject({
      domain: 'cail.eu.auth0.com',
      clientId: 'spa-client-id',
      authorizationParams: {
        audience: 'https://operator-api.cail.health',
        organization: 'org_lambeth01',
        redirect_uri: window.location.origin,
      },
    })
    expect(screen.queryByRole('note')).not.toBeInTheDocument()
  })

  it('starts the SDK redirect on sign-in', async () => {
    const user = userEvent.setup()
    render(
      <Auth0SessionProvider config={CONFIG}>
        <ShowClaims />
      </Auth0SessionProvider>,
    )

    await user.click(screen.getByRole('button', { name: 'Sign in with Auth0' }))

    expect(auth0.state.loginWithRedirect).toHaveBeenCalledWith({ authorizationParams: {} })
  })

  it('passes an invitation on', async () => {
    const user = userEvent.setup()
    window.history.replaceState({}, '', '/?invitation=inv_123&organization=org_lambeth01')
    render(
      <Auth0SessionProvider config={CONFIG}>
        <ShowClaims />
      </Auth0SessionProvider>,
    )

    await user.click(screen.getByRole('button', { name: 'Sign in with Auth0' }))

    expect(auth0.state.loginWithRedirect).toHaveBeenCalledWith({
      authorizationParams: { invitation: 'inv_123', organization: 'org_lambeth01' },
    })
    window.history.replaceState({}, '', '/')
  })

  it('reads claims from the access token', async () => {
    auth0.state.isAuthenticated = true
    render(
      <Auth0SessionProvider config={CONFIG}>
        <ShowClaims />
      </Auth0SessionProvider>,
    )

    expect(await screen.findByText('auth0: org_lambeth01 in jur_uk_wls')).toBeInTheDocument()
  })

  it('shows why the token could not be had', async () => {
    auth0.state.isAuthenticated = true
    auth0.state.getAccessTokenSilently = vi.fn(async () => {
      throw new Error('Login required')
    })
    render(
      <Auth0SessionProvider config={CONFIG}>
        <ShowClaims />
      </Auth0SessionProvider>,
    )

    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('You were signed out. Login required'),
    )
    expect(screen.getByRole('button', { name: 'Sign in with Auth0' })).toBeInTheDocument()
  })
})
