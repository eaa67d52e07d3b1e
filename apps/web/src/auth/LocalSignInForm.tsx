import { type FormEvent, useRef, useState } from 'react'
import { ErrorSummary } from '../components/ErrorSummary'
import { Field } from '../components/Field'
import { type LocalSignInValues, requestLocalToken } from './local-issuer'

export interface LocalSignInFormProps {
  /** Reason the previous session ended, unless it ended by choice. */
  reason: string | undefined
  onSignedIn: (token: string) => void
  fetch?: typeof fetch | undefined
}

const DEFAULT_VALUES: LocalSignInValues = {
  orgId: 'org_lambeth01',
  orgName: 'Lambeth Primary Care Network',
  jurisdictionId: 'jur_uk_eng',
  permissions: 'create:organizations',
}

/** Renders the local sign-in form and requests a token with the claims typed into it. */
export function LocalSignInForm({ reason, onSignedIn, fetch: fetchImpl }: LocalSignInFormProps) {
  const [values, setValues] = useState(DEFAULT_VALUES)
  const [pending, setPending] = useState(false)
  const [problem, setProblem] = useState<string>()
  const summaryRef = useRef<HTMLDivElement>(null)

  const update = (field: keyof LocalSignInValues) => (value: string) =>
    setValues((current) => ({ ...current, [field]: value }))

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (pending) {
      return
    }
    setPending(true)
    setProblem(undefined)
    const result = await requestLocalToken(values, fetchImpl ?? fetch)
    setPending(false)
    if ('token' in result) {
      onSignedIn(result.token)
      return
    }
    setProblem(result.problem)
    requestAnimationFrame(() => summaryRef.current?.focus())
  }

  return (
    <section className="card" aria-labelledby="sign-in-title">
      <h1 className="card-title" id="sign-in-title">
        Sign in
      </h1>
      <p className="lead">
        This build has no Auth0 settings, so it signs in against the server's local issuer. Enter
        the claims that Auth0 organisation login would put in the access token.
      </p>

      {reason && (
        <div className="notice notice-warning" role="alert">
          <p>
            <strong>You were signed out.</strong> {reason}
          </p>
        </div>
      )}
      {problem && (
        <ErrorSummary ref={summaryRef} title="Sign-in failed" items={[{ message: problem }]} />
      )}

      <form className="form" noValidate onSubmit={submit} aria-busy={pending}>
        <Field
          id="local-org-id"
          label="Auth0 organisation id"
          hint="The org_id claim, such as org_lambeth01."
        >
          {(control) => (
            <input
              {...control}
              className="input"
              name="orgId"
              autoComplete="off"
              spellCheck={false}
              value={values.orgId}
              onChange={(event) => update('orgId')(event.target.value)}
            />
          )}
        </Field>
        <Field id="local-org-name" label="Organisation name" hint="The org_name claim.">
          {(control) => (
            <input
              {...control}
              className="input"
              name="orgName"
              autoComplete="organization"
              value={values.orgName}
              onChange={(event) => update('orgName')(event.target.value)}
            />
          )}
        </Field>
        <Field
          id="local-jurisdiction"
          label="Jurisdiction"
          hint="The jurisdiction claim: jur_uk_eng, jur_uk_sct, jur_uk_wls or jur_uk_nir. Leave empty for none."
        >
          {(control) => (
            <input
              {...control}
              className="input input-medium"
              name="jurisdictionId"
              autoComplete="off"
              spellCheck={false}
              value={values.jurisdictionId}
              onChange={(event) => update('jurisdictionId')(event.target.value)}
            />
          )}
        </Field>
        <Field
          id="local-permissions"
          label="Permissions"
          hint="Separated by spaces or commas. Creating needs create:organizations."
        >
          {(control) => (
            <input
              {...control}
              className="input"
              name="permissions"
              autoComplete="off"
              spellCheck={false}
              value={values.permissions}
              onChange={(event) => update('permissions')(event.target.value)}
            />
          )}
        </Field>

        <div className="form-actions">
          <button className="button" type="submit" aria-disabled={pending || undefined}>
            {pending ? 'Signing in…' : 'Sign in with the local issuer'}
          </button>
        </div>
      </form>
    </section>
  )
}
