/** Build-time settings from `VITE_*` variables; Vite inlines them into the bundle. */

export interface Auth0Config {
  /** Tenant host name, such as `cail.eu.auth0.com`. */
  domain: string
  /** Client id of the single-page application registered in Auth0. */
  clientId: string
  /** API identifier the access token is requested for; the server's AUTH0_AUDIENCE. */
  audience: string
  /** Auth0 organisation to sign in to; undefined lets Auth0 prompt for one. */
  organization: string | undefined
}

export interface ClaimConfig {
  /** Claim with the organisation's display name; the server's ORG_NAME_CLAIM. */
  organizationName: string
  /** Claim with the jurisdiction id; `jurisdiction_id` under the server's CLAIM_NAMESPACE. */
  jurisdiction: string
}

const env = import.meta.env

/** Auth0 settings when all three variables are set at build time; otherwise the local issuer is used. */
export const auth0Config: Auth0Config | undefined =
  env.VITE_AUTH0_DOMAIN && env.VITE_AUTH0_CLIENT_ID && env.VITE_AUTH0_AUDIENCE
    ? {
        domain: env.VITE_AUTH0_DOMAIN,
        clientId: env.VITE_AUTH0_CLIENT_ID,
        audience: env.VITE_AUTH0_AUDIENCE,
        organization: env.VITE_AUTH0_ORGANIZATION || undefined,
      }
    : undefined

export const claimConfig: ClaimConfig = {
  organizationName: env.VITE_ORG_NAME_CLAIM || 'org_name',
  jurisdiction: `${env.VITE_CLAIM_NAMESPACE || 'https://cail.health/'}jurisdiction_id`,
}
