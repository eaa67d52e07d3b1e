import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useApiClient } from '../api/ApiProvider'
import { readApiFailure } from '../api/errors'
import type { Organization } from '../api/types'
import { useSession } from '../auth/session'
import { CreateOrganizationForm } from './CreateOrganizationForm'
import { type DetailsOutcome, OrganizationDetails } from './OrganizationDetails'

export const MINE_QUERY_KEY = ['organizations', 'mine'] as const
export const JURISDICTIONS_QUERY_KEY = ['jurisdictions', 'list'] as const

/** Shows the caller's organisation, or the form to create it when there is none. */
export function OrganizationPage() {
  const client = useApiClient()
  const session = useSession()
  const queryClient = useQueryClient()
  const [outcome, setOutcome] = useState<DetailsOutcome>('loaded')

  const jurisdictions = useQuery({
    queryKey: JURISDICTIONS_QUERY_KEY,
    queryFn: () => client.jurisdictions.list.query(),
    staleTime: Number.POSITIVE_INFINITY,
  })
  const mine = useQuery({
    queryKey: MINE_QUERY_KEY,
    queryFn: () => client.organizations.mine.query(),
  })

  const loadError = mine.error ?? jurisdictions.error
  if (loadError) {
    const failure = readApiFailure(loadError)
    return (
      <section className="card" aria-labelledby="load-error-title">
        <h1 className="card-title" id="load-error-title">
          Your organisation could not be loaded
        </h1>
        <div className="notice notice-error" role="alert">
          <p>{failure.summary}</p>
        </div>
        <div className="form-actions">
          <button
            className="button"
            type="button"
            onClick={() => {
              void mine.refetch()
              void jurisdictions.refetch()
            }}
          >
            Try again
          </button>
        </div>
      </section>
    )
  }

  if (!mine.isSuccess || !jurisdictions.isSuccess) {
    return (
      <p className="loading" role="status">
        <span className="spinner" aria-hidden="true" />
        Loading your organisation…
      </p>
    )
  }

  if (mine.data) {
    return (
      <OrganizationDetails
        organization={mine.data}
        jurisdictions={jurisdictions.data}
        outcome={outcome}
      />
    )
  }

  return (
    <CreateOrganizationForm
      claims={session.claims}
      jurisdictions={jurisdictions.data}
      onCreated={(organization: Organization) => {
        setOutcome('created')
        queryClient.setQueryData(MINE_QUERY_KEY, organization)
      }}
      onAlreadyExists={() => {
        setOutcome('already-exists')
        void mine.refetch()
      }}
    />
  )
}
