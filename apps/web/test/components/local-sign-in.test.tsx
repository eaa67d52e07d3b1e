import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { App } from '../../src/App'
import {
  type FakeHandler,
  fakeApi,
  fakeToken,
  JURISDICTION_CLAIM,
  JURISDICTIONS,
  json,
  LAMBETH,
} from './fake-api'

const pageHandlers: Record<string, FakeHandler> = {
  'jurisdictions.list': () => ({ data: JURISDICTIONS }),
  'organizations.mine': () => ({ data: null }),
}

describe('local issuer sign-in', () => {
  it('says it runs against the local issuer', () => {
    vi.stubGlobal('fetch', fakeApi(pageHandlers).fetch)

    render(<App />)

    expect(screen.getByRole('note')).toHaveTextContent(
      "This page signs in against the server's local issuer, not Auth0.",
    )
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    for (const label of [
      'Auth0 organisation id',
      'Organisation name',
      'Jurisdiction',
      'Permissions',
    ]) {
      expect(screen.getByLabelText(label)).toBeInTheDocument()
    }
  })

  it('mints a token and opens the page', async () => {
    const user = userEvent.setup()
    const requests: unknown[] = []
    const api = fakeApi(pageHandlers, (body) => {
      requests.push(body)
      return json(200, {
        access_token: fakeToken({
          org_id: 'org_fife01',
          org_name: 'NHS Fife',
          [JURISDICTION_CLAIM]: 'jur_uk_sct',
        }),
      })
    })
    vi.stubGlobal('fetch', api.fetch)
    render(<App />)

    await user.clear(screen.getByLabelText('Auth0 organisation id'))
    await user.type(screen.getByLabelText('Auth0 organisation id'), 'org_fife01')
    await user.clear(screen.getByLabelText('Organisation name'))
    await user.type(screen.getByLabelText('Organisation name'), 'NHS Fife')
    await user.clear(screen.getByLabelText('Jurisdiction'))
    await user.type(screen.getByLabelText('Jurisdiction'), 'jur_uk_sct')
    await user.clear(screen.getByLabelText('Permissions'))
    await user.type(
      screen.getByLabelText('Permissions'),
      'create:organizations, read:organizations',
    )
    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))

    expect(
      await screen.findByRole('heading', { name: 'Create your organisation' }),
    ).toBeInTheDocument()
    expect(requests).toEqual([
      {
        orgId: 'org_fife01',
        orgName: 'NHS Fife',
        jurisdictionId: 'jur_uk_sct',
        permissions: ['create:organizations', 'read:organizations'],
      },
    ])
    expect(screen.getByLabelText('Organisation name')).toHaveValue('NHS Fife')
    expect(screen.getByLabelText('Jurisdiction')).toHaveValue('jur_uk_sct')
    expect(screen.getByRole('banner')).toHaveTextContent('org_fife01')
    expect(screen.getByRole('note')).toHaveTextContent('local issuer')
  })

  it('shows the issuer rejection', async () => {
    const user = userEvent.setup()
    vi.stubGlobal(
      'fetch',
      fakeApi(pageHandlers, () =>
        json(400, {
          statusCode: 400,
          message: ['orgId: Too big: expected string to have <=255 characters'],
          code: 'validation_failed',
        }),
      ).fetch,
    )
    render(<App />)

    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))

    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent('Sign-in failed')
    expect(summary).toHaveTextContent('orgId: Too big')
    expect(screen.getByLabelText('Auth0 organisation id')).toHaveValue('org_lambeth01')
  })

  it('explains a server without a local issuer', async () => {
    const user = userEvent.setup()
    vi.stubGlobal(
      'fetch',
      fakeApi(pageHandlers, () => json(404, { statusCode: 404, code: 'not_found' })).fetch,
    )
    render(<App />)

    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This server has no local issuer because it verifies Auth0 tokens.',
    )
  })

  it('returns to sign-in with the reason', async () => {
    const user = userEvent.setup()
    const api = fakeApi(
      {
        ...pageHandlers,
        'organizations.mine': () => ({
          error: {
            httpStatus: 401,
            code: 'invalid_token',
            messages: ['token has expired; request a new access token'],
          },
        }),
      },
      () => json(200, { access_token: fakeToken() }),
    )
    vi.stubGlobal('fetch', api.fetch)
    render(<App />)

    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'You were signed out. token has expired; request a new access token',
    )
    expect(
      screen.getByRole('button', { name: 'Sign in with the local issuer' }),
    ).toBeInTheDocument()
    expect(sessionStorage.length).toBe(0)
  })

  it('keeps the session across a reload', async () => {
    const user = userEvent.setup()
    const api = fakeApi({ ...pageHandlers, 'organizations.mine': () => ({ data: LAMBETH }) }, () =>
      json(200, { access_token: fakeToken() }),
    )
    vi.stubGlobal('fetch', api.fetch)
    const first = render(<App />)
    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))
    await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' })

    first.unmount()
    render(<App />)

    expect(
      await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' }),
    ).toBeInTheDocument()
  })

  it('signs out on request', async () => {
    const user = userEvent.setup()
    const api = fakeApi(pageHandlers, () => json(200, { access_token: fakeToken() }))
    vi.stubGlobal('fetch', api.fetch)
    render(<App />)
    await user.click(screen.getByRole('button', { name: 'Sign in with the local issuer' }))
    await screen.findByRole('heading', { name: 'Create your organisation' })

    await user.click(screen.getByRole('button', { name: 'Sign out' }))

    await waitFor(() =>
      expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument(),
    )
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
