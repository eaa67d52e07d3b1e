import type { TRPCRouterRecord } from '@trpc/server'
import { idempotent } from '../idempotency/run.js'
import { createOrganization } from '../organizations/create.js'
import { findOrganizationByAuth0Organization } from '../organizations/find.js'
import { resolveNewOrganization } from '../organizations/resolve.js'
import { createOrganizationInput, organizationOutput } from '../organizations/schema.js'
import { operatorProcedure, organizationMemberProcedure } from '../trpc/init.js'

export const organizationsRouter = {
  /**
   * Returns the CAIL organisation of the caller's Auth0 organisation, or null when it has none.
   * Needs the organisation context (`org_id`) but not the create permission.
   */
  mine: organizationMemberProcedure
    .output(organizationOutput.nullable())
    .query(({ ctx }) =>
      ctx.queries.track(() =>
        findOrganizationByAuth0Organization(ctx.db, ctx.caller.organizationId),
      ),
    ),

  /**
   * Creates the CAIL organisation of the caller's Auth0 organisation. An absent input means
   * `{}`. Honours the `Idempotency-Key` header.
   */
  create: operatorProcedure
    .input(createOrganizationInput.optional())
    .output(organizationOutput)
    .mutation(
      idempotent(async ({ ctx, input }) => {
        const organization = await ctx.queries.track(() =>
          resolveNewOrganization(ctx.db, input ?? {}, ctx.caller, ctx.claims),
        )
        const created = await ctx.queries.track(() => createOrganization(ctx.db, organization))
        ctx.logger.info(
          {
            organizationId: created.id,
            auth0OrganizationId: organization.auth0OrganizationId,
            jurisdictionId: created.jurisdictionId,
          },
          'organisation created',
        )
        return created
      }),
    ),
} satisfies TRPCRouterRecord
