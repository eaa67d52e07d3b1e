/** The verified caller, as the procedures see it. */
export interface CallerIdentity {
  /** `sub` claim: the Auth0 user or client that made the call. */
  readonly subject: string
  /** `org_id` claim: the Auth0 organisation the caller signed in to, if any. */
  readonly organizationId: string | undefined
  /** `org_name` claim (or the configured claim), if present. */
  readonly organizationName: string | undefined
  /** Union of the `permissions` array and the space-separated `scope` claim. */
  readonly permissions: ReadonlySet<string>
  /** The jurisdiction claim, if present. */
  readonly jurisdictionId: string | undefined
  /** `exp` claim, in seconds since the Unix epoch. */
  readonly expiresAt: number
}
