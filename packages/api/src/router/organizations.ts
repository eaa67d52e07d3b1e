import type { TRPCRouterRecord } from '@trpc/server'
import { idempotent } from '../idempotency/run.js'
import { createOrganization } from '../organizations/create.js'
import { resolveNewOrganization } from '../organizations/resolve.js'
import { createOrganizationInput, organizationOutput } from '../organizations/schema.js'
import { operatorProcedure } from '../trpc/init.js'

export const organizationsRouter = {
  /**
   * Creates the CAIL organisation of the caller's Auth0 organisation. An absent input means
   * `{}`. Honours the `Idempotency-Key` header.
   */
  create: operatorProcedure
    .input(createOrganizationInput.optional())
    .output(organizationOutput)
    .mutation(
      idempotent(async ({ ctx, input }) => {
        const organization = await resolveNewOrganization(
          ctx.db,
          input ?? {},
          ctx.caller,
          ctx.claims,
        )
        const created = await createOrganization(ctx.db, organization)
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
