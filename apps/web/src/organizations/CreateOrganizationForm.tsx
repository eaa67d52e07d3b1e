import { useMutation } from '@tanstack/react-query'
import { type FormEvent, useRef, useState } from 'react'
import { useApiClient } from '../api/ApiProvider'
import { type ApiFailure, type FormField, readApiFailure } from '../api/errors'
import type { CreateOrganizationInput, Jurisdiction, Organization, TypeCode } from '../api/types'
import type { TokenClaims } from '../auth/claims'
import { ErrorSummary, type ErrorSummaryItem } from '../components/ErrorSummary'
import { Field } from '../components/Field'
import { DEFAULT_TYPE_CODE, TYPE_CODES, TYPE_LABELS } from './labels'

export interface CreateOrganizationFormProps {
  claims: TokenClaims
  jurisdictions: readonly Jurisdiction[]
  onCreated: (organization: Organization) => void
  /** Called when the Auth0 organisation turns out to have an organisation already. */
  onAlreadyExists: () => void
}

interface FormValues {
  name: string
  typeCode: TypeCode
  /** Empty when none is chosen; the server then uses the token's claim or reports it missing. */
  jurisdictionId: string
}

const CONTROL_IDS: Record<FormField, string> = {
  name: 'organization-name',
  typeCode: 'organization-type',
  jurisdictionId: 'organization-jurisdiction',
}

export function CreateOrganizationForm({
  claims,
  jurisdictions,
  onCreated,
  onAlreadyExists,
}: CreateOrganizationFormProps) {
  const client = useApiClient()
  const [values, setValues] = useState<FormValues>(() => initialValues(claims, jurisdictions))
  const summaryRef = useRef<HTMLDivElement>(null)

  const mutation = useMutation({
    mutationFn: (input: CreateOrganizationInput) => client.organizations.create.mutate(input),
  })
  const failure = mutation.error ? readApiFailure(mutation.error) : undefined
  const fieldErrors = failure ? errorsByField(failure) : {}

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (mutation.isPending) {
      return
    }
    const input: CreateOrganizationInput = {
      name: values.name,
      typeCode: values.typeCode,
      jurisdictionId: values.jurisdictionId || undefined,
    }
    mutation.mutate(input, {
      onSuccess: onCreated,
      onError: (error) => {
        if (readApiFailure(error).kind === 'conflict') {
          onAlreadyExists()
          return
        }
        requestAnimationFrame(() => summaryRef.current?.focus())
      },
    })
  }

  return (
    <section className="card" aria-labelledby="create-title">
      <h1 className="card-title" id="create-title">
        Create your organisation
      </h1>
      <p className="lead">
        Your Auth0 organisation{' '}
        {claims.organizationId && <code className="identifier">{claims.organizationId}</code>} has
        no CAIL organisation yet. Check the details and create it.
      </p>

      {failure && failure.kind !== 'conflict' && failure.kind !== 'unauthenticated' && (
        <ErrorSummary
          ref={summaryRef}
          title={summaryTitle(failure)}
          items={summaryItems(failure)}
        />
      )}

      <form className="form" noValidate onSubmit={submit} aria-busy={mutation.isPending}>
        <Field
          id={CONTROL_IDS.name}
          label="Organisation name"
          hint="Up to 200 characters, as people should see it."
          error={fieldErrors.name}
        >
          {(control) => (
            <input
              {...control}
              className="input"
              name="name"
              autoComplete="organization"
              value={values.name}
              onChange={(event) => setValues({ ...values, name: event.target.value })}
            />
          )}
        </Field>

        <Field id={CONTROL_IDS.typeCode} label="Organisation type" error={fieldErrors.typeCode}>
          {(control) => (
            <select
              {...control}
              className="select"
              name="typeCode"
              value={values.typeCode}
              onChange={(event) =>
                setValues({ ...values, typeCode: event.target.value as TypeCode })
              }
            >
              {TYPE_CODES.map((code) => (
                <option key={code} value={code}>
                  {TYPE_LABELS[code]}
                </option>
              ))}
            </select>
          )}
        </Field>

        <Field
          id={CONTROL_IDS.jurisdictionId}
          label="Jurisdiction"
          hint={
            claims.jurisdictionId
              ? 'Your sign-in sets this jurisdiction; the server accepts no other.'
              : undefined
          }
          error={fieldErrors.jurisdictionId}
        >
          {(control) => (
            <select
              {...control}
              className="select"
              name="jurisdictionId"
              value={values.jurisdictionId}
              onChange={(event) => setValues({ ...values, jurisdictionId: event.target.value })}
            >
              <option value="">Choose a jurisdiction</option>
              {jurisdictions.map((jurisdiction) => (
                <option key={jurisdiction.id} value={jurisdiction.id}>
                  {jurisdiction.name}
                </option>
              ))}
            </select>
          )}
        </Field>

        <div className="form-actions">
          <button className="button" type="submit" aria-disabled={mutation.isPending || undefined}>
            {mutation.isPending && <span className="spinner" aria-hidden="true" />}
            {mutation.isPending ? 'Creating…' : 'Create organisation'}
          </button>
        </div>
        <p className="visually-hidden" aria-live="polite">
          {mutation.isPending ? 'Creating the organisation…' : ''}
        </p>
      </form>
    </section>
  )
}

function initialValues(claims: TokenClaims, jurisdictions: readonly Jurisdiction[]): FormValues {
  const fromToken = jurisdictions.some((jurisdiction) => jurisdiction.id === claims.jurisdictionId)
  return {
    name: claims.organizationName ?? '',
    typeCode: DEFAULT_TYPE_CODE,
    jurisdictionId: fromToken && claims.jurisdictionId ? claims.jurisdictionId : '',
  }
}

/** Picks the first message for each form field. Problems without a field stay in the summary only. */
function errorsByField(failure: ApiFailure): Partial<Record<FormField, string>> {
  const errors: Partial<Record<FormField, string>> = {}
  for (const issue of failure.issues) {
    if (issue.field && errors[issue.field] === undefined) {
      errors[issue.field] = issue.message
    }
  }
  return errors
}

function summaryTitle(failure: ApiFailure): string {
  return failure.kind === 'invalid' ? failure.summary : 'The organisation was not created'
}

function summaryItems(failure: ApiFailure): ErrorSummaryItem[] {
  if ((failure.kind === 'invalid' || failure.kind === 'forbidden') && failure.issues.length > 0) {
    return failure.issues.map((issue) => ({
      message: issue.message,
      controlId: issue.field ? CONTROL_IDS[issue.field] : undefined,
    }))
  }
  return [{ message: failure.summary }]
}
