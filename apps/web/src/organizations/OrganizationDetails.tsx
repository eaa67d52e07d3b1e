import { useEffect, useRef } from 'react'
import type { Jurisdiction, Organization } from '../api/types'
import { jurisdictionName, TYPE_LABELS } from './labels'

/** Event that led to showing the organisation: a plain load, a create, or a conflict. */
export type DetailsOutcome = 'loaded' | 'created' | 'already-exists'

export interface OrganizationDetailsProps {
  organization: Organization
  jurisdictions: readonly Jurisdiction[]
  outcome: DetailsOutcome
}

export function OrganizationDetails({
  organization,
  jurisdictions,
  outcome,
}: OrganizationDetailsProps) {
  const headingRef = useRef<HTMLHeadingElement>(null)

  // After a create or a conflict, move focus to the result so keyboard and screen reader users land on it.
  useEffect(() => {
    if (outcome !== 'loaded') {
      headingRef.current?.focus()
    }
  }, [outcome])

  return (
    <section className="card" aria-labelledby="organization-title">
      {outcome === 'created' && (
        <div className="notice notice-success">
          <p className="notice-title">Organisation created</p>
          <p>Your CAIL organisation is set up and active.</p>
        </div>
      )}
      {outcome === 'already-exists' && (
        <div className="notice notice-info">
          <p className="notice-title">This organisation already exists</p>
          <p>
            Your Auth0 organisation already has a CAIL organisation, so nothing new was created.
            Here it is.
          </p>
        </div>
      )}

      <p className="eyebrow">Your CAIL organisation</p>
      <h1 className="card-title" id="organization-title" ref={headingRef} tabIndex={-1}>
        {organization.name}
      </h1>

      <dl className="details">
        <div className="details-row">
          <dt>Type</dt>
          <dd>{TYPE_LABELS[organization.typeCode]}</dd>
        </div>
        <div className="details-row">
          <dt>Jurisdiction</dt>
          <dd>{jurisdictionName(jurisdictions, organization.jurisdictionId)}</dd>
        </div>
        <div className="details-row">
          <dt>Status</dt>
          <dd>
            {organization.active ? (
              <span className="badge badge-success">Active</span>
            ) : (
              <span className="badge">Inactive</span>
            )}
          </dd>
        </div>
        <div className="details-row">
          <dt>Organisation id</dt>
          <dd>
            <code className="identifier">{organization.id}</code>
          </dd>
        </div>
      </dl>
    </section>
  )
}
