import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { ApiProvider } from '../../src/api/ApiProvider'
import type { Session } from '../../src/auth/session'
import { SessionContext } from '../../src/auth/session'
import { OrganizationPage } from '../../src/organizations/OrganizationPage'
import {
  deferred,
  type FakeHandler,
  type FakeResult,
  fakeApi,
  fakeSession,
  JURISDICTION_CLAIM,
  JURISDICTIONS,
  LAMBETH,
} from './fake-api'

const listJurisdictions: FakeHandler = () => ({ data: JURISDICTIONS })
const noOrganization: FakeHandler = () => ({ data: null })

function renderPage(handlers: Record<string, FakeHandler>, session: Session = fakeSession()) {
  const api = fakeApi({ 'jurisdictions.list': listJurisdictions, ...handlers })
  render(
    <SessionContext.Provider value={session}>
      <ApiProvider fetch={api.fetch}>
        <OrganizationPage />
      </ApiProvider>
    </SessionContext.Provider>,
  )
  return api
}

async function findCreateForm() {
  return screen.findByRole('heading', { name: 'Create your organisation' })
}

describe('OrganizationPage', () => {
  it('shows the existing organisation', async () => {
    renderPage({ 'organizations.mine': () => ({ data: LAMBETH }) })

    expect(
      await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' }),
    ).toBeInTheDocument()
    expect(screen.getByText('Commissioner')).toBeInTheDocument()
    expect(screen.getByText('England')).toBeInTheDocument()
    expect(screen.getByText('Active')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Create organisation' })).not.toBeInTheDocument()
  })

  it('sends the bearer token', async () => {
    const api = renderPage({ 'organizations.mine': () => ({ data: LAMBETH }) })

    await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' })
    expect(api.calls.map((call) => call.path).sort()).toEqual([
      'jurisdictions.list',
      'organizations.mine',
    ])
    for (const call of api.calls) {
      expect(call.authorization).toMatch(/^Bearer ey/)
    }
  })

  it('prefills the form from the token', async () => {
    renderPage(
      { 'organizations.mine': noOrganization },
      fakeSession({}, { org_name: 'NHS Fife', [JURISDICTION_CLAIM]: 'jur_uk_sct' }),
    )
    await findCreateForm()

    expect(screen.getByLabelText('Organisation name')).toHaveValue('NHS Fife')
    expect(screen.getByLabelText('Organisation type')).toHaveValue('commissioner')
    expect(screen.getByLabelText('Jurisdiction')).toHaveValue('jur_uk_sct')
    const typeOptions = within(screen.getByLabelText('Organisation type')).getAllByRole('option')
    expect(typeOptions.map((option) => option.textContent)).toEqual([
      'Commissioner',
      'Provider',
      'Health board',
    ])
    const jurisdictionOptions = within(screen.getByLabelText('Jurisdiction')).getAllByRole('option')
    expect(jurisdictionOptions.map((option) => option.textContent)).toEqual([
      'Choose a jurisdiction',
      'England',
      'Northern Ireland',
      'Scotland',
      'Wales',
    ])
  })

  it('leaves jurisdiction unchosen without a claim', async () => {
    renderPage(
      { 'organizations.mine': noOrganization },
      fakeSession({}, { [JURISDICTION_CLAIM]: undefined }),
    )
    await findCreateForm()

    expect(screen.getByLabelText('Jurisdiction')).toHaveValue('')
  })

  it('shows pending then the created organisation', async () => {
    const user = userEvent.setup()
    const response = deferred<FakeResult>()
    const api = renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => response.promise,
    })
    await findCreateForm()

    await user.selectOptions(screen.getByLabelText('Organisation type'), 'provider')
    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    const pendingButton = await screen.findByRole('button', { name: 'Creating…' })
    expect(pendingButton).toHaveAttribute('aria-disabled', 'true')
    expect(pendingButton.closest('form')).toHaveAttribute('aria-busy', 'true')
    expect(screen.getByText('Creating the organisation…')).toBeInTheDocument()

    response.resolve({ data: { ...LAMBETH, typeCode: 'provider' } })

    const heading = await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' })
    expect(screen.getByText('Organisation created')).toBeInTheDocument()
    expect(screen.getByText('Provider')).toBeInTheDocument()
    expect(screen.getByText('England')).toBeInTheDocument()
    expect(screen.getByText('Active')).toBeInTheDocument()
    await waitFor(() => expect(heading).toHaveFocus())
    expect(api.calls.find((call) => call.path === 'organizations.create')?.input).toEqual({
      name: 'Lambeth Primary Care Network',
      typeCode: 'provider',
      jurisdictionId: 'jur_uk_eng',
    })
  })

  it('ignores a second submit while pending', async () => {
    const user = userEvent.setup()
    const response = deferred<FakeResult>()
    const api = renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => response.promise,
    })
    await findCreateForm()

    await user.click(screen.getByRole('button', { name: 'Create organisation' }))
    await user.click(await screen.findByRole('button', { name: 'Creating…' }))
    response.resolve({ data: LAMBETH })

    await screen.findByText('Organisation created')
    expect(api.calls.filter((call) => call.path === 'organizations.create')).toHaveLength(1)
  })

  it('shows validation errors next to their fields', async () => {
    const user = userEvent.setup()
    const message = 'name must be at most 200 characters (got 201)'
    renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => ({
        error: {
          httpStatus: 400,
          code: 'validation_failed',
          messages: [message],
          issues: [{ path: ['name'], message }],
        },
      }),
    })
    await findCreateForm()
    const nameInput = screen.getByLabelText('Organisation name')

    await user.clear(nameInput)
    await user.paste('x'.repeat(201))
    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent('There is a problem with what you entered.')
    expect(within(summary).getByRole('link', { name: message })).toHaveAttribute(
      'href',
      '#organization-name',
    )
    expect(nameInput).toHaveAttribute('aria-invalid', 'true')
    expect(nameInput).toHaveAccessibleDescription(expect.stringContaining(message))
    expect(screen.getByLabelText('Jurisdiction')).not.toHaveAttribute('aria-invalid')
    expect(nameInput).toHaveValue('x'.repeat(201))
    await waitFor(() => expect(summary).toHaveFocus())

    await user.click(within(summary).getByRole('link', { name: message }))
    expect(nameInput).toHaveFocus()
  })

  it('puts a jurisdiction mismatch on its field', async () => {
    const user = userEvent.setup()
    const message =
      'jurisdictionId "jur_uk_wls" differs from the token\'s jurisdiction "jur_uk_eng"; omit jurisdictionId or sign in for that jurisdiction'
    renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => ({
        error: {
          httpStatus: 403,
          code: 'jurisdiction_mismatch',
          messages: [message],
          issues: [{ path: ['jurisdictionId'], message }],
        },
      }),
    })
    await findCreateForm()

    await user.selectOptions(screen.getByLabelText('Jurisdiction'), 'jur_uk_wls')
    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    const jurisdiction = screen.getByLabelText('Jurisdiction')
    await waitFor(() => expect(jurisdiction).toHaveAttribute('aria-invalid', 'true'))
    expect(jurisdiction).toHaveAccessibleDescription(expect.stringContaining(message))
    expect(screen.getByRole('alert')).toHaveTextContent('The organisation was not created')
  })

  it('shows the existing organisation after a conflict', async () => {
    const user = userEvent.setup()
    let mineCalls = 0
    renderPage({
      'organizations.mine': () => {
        mineCalls += 1
        return { data: mineCalls === 1 ? null : LAMBETH }
      },
      'organizations.create': () => ({
        error: {
          httpStatus: 409,
          code: 'organization_exists',
          messages: [
            `Auth0 organisation org_lambeth01 already has a CAIL organisation (id ${LAMBETH.id}); each Auth0 organisation can create one`,
          ],
        },
      }),
    })
    await findCreateForm()

    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    expect(await screen.findByText('This organisation already exists')).toBeInTheDocument()
    expect(
      screen.getByRole('heading', { name: 'Lambeth Primary Care Network' }),
    ).toBeInTheDocument()
    expect(screen.getByText(LAMBETH.id)).toBeInTheDocument()
    expect(mineCalls).toBe(2)
  })

  it('signs out when create is unauthenticated', async () => {
    const user = userEvent.setup()
    const signOut = vi.fn()
    renderPage(
      {
        'organizations.mine': noOrganization,
        'organizations.create': () => ({
          error: {
            httpStatus: 401,
            code: 'invalid_token',
            messages: ['token has expired; request a new access token'],
          },
        }),
      },
      fakeSession({ signOut }),
    )
    await findCreateForm()

    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    await waitFor(() =>
      expect(signOut).toHaveBeenCalledWith('token has expired; request a new access token'),
    )
  })

  it('signs out when loading is unauthenticated', async () => {
    const signOut = vi.fn()
    renderPage(
      {
        'organizations.mine': () => ({
          error: {
            httpStatus: 401,
            code: 'invalid_token',
            messages: ['token signature is invalid'],
          },
        }),
      },
      fakeSession({ signOut }),
    )

    await waitFor(() => expect(signOut).toHaveBeenCalledWith('token signature is invalid'))
  })

  it('keeps the input after a network failure', async () => {
    const user = userEvent.setup()
    let createCalls = 0
    renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => {
        createCalls += 1
        return createCalls === 1
          ? { networkFailure: true }
          : { data: { ...LAMBETH, name: 'Renamed PCN' } }
      },
    })
    await findCreateForm()
    const nameInput = screen.getByLabelText('Organisation name')
    await user.clear(nameInput)
    await user.type(nameInput, 'Renamed PCN')
    await user.selectOptions(screen.getByLabelText('Organisation type'), 'health_board')

    await user.click(screen.getByRole('button', { name: 'Create organisation' }))

    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent('The server could not be reached')
    expect(nameInput).toHaveValue('Renamed PCN')
    expect(screen.getByLabelText('Organisation type')).toHaveValue('health_board')
    expect(nameInput).not.toHaveAttribute('aria-invalid')

    await user.click(screen.getByRole('button', { name: 'Create organisation' }))
    expect(await screen.findByRole('heading', { name: 'Renamed PCN' })).toBeInTheDocument()
  })

  it('explains a load failure and retries', async () => {
    const user = userEvent.setup()
    let mineCalls = 0
    renderPage({
      'organizations.mine': () => {
        mineCalls += 1
        return mineCalls === 1
          ? {
              error: {
                httpStatus: 403,
                code: 'missing_organization_context',
                messages: [
                  'token has no org_id claim; sign in through an Auth0 organisation to create its CAIL organisation',
                ],
              },
            }
          : { data: LAMBETH }
      },
    })

    expect(await screen.findByRole('alert')).toHaveTextContent('token has no org_id claim')
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(
      await screen.findByRole('heading', { name: 'Lambeth Primary Care Network' }),
    ).toBeInTheDocument()
  })

  it('works with the keyboard alone', async () => {
    const user = userEvent.setup()
    const api = renderPage({
      'organizations.mine': noOrganization,
      'organizations.create': () => ({ data: { ...LAMBETH, name: 'Keyboard PCN' } }),
    })
    await findCreateForm()

    await user.tab()
    expect(screen.getByLabelText('Organisation name')).toHaveFocus()
    await user.keyboard('{Control>}a{/Control}Keyboard PCN')
    await user.tab()
    expect(screen.getByLabelText('Organisation type')).toHaveFocus()
    await user.tab()
    expect(screen.getByLabelText('Jurisdiction')).toHaveFocus()
    await user.tab()
    expect(screen.getByRole('button', { name: 'Create organisation' })).toHaveFocus()
    await user.keyboard('{Enter}')

    expect(await screen.findByRole('heading', { name: 'Keyboard PCN' })).toBeInTheDocument()
    expect(api.calls.find((call) => call.path === 'organizations.create')?.input).toMatchObject({
      name: 'Keyboard PCN',
    })
  })
})
