import type { TRPCRouterRecord } from '@trpc/server'
import { jurisdictionListOutput, listJurisdictions } from '../jurisdictions/list.js'
import { authenticatedProcedure } from '../trpc/init.js'

export const jurisdictionsRouter = {
  /**
   * Lists the supported jurisdictions, ordered by id. Any verified caller may read this
   * reference data, with or without an Auth0 organisation or a permission.
   */
  list: authenticatedProcedure
    .output(jurisdictionListOutput)
    .query(({ ctx }) => ctx.queries.track(() => listJurisdictions(ctx.db))),
} satisfies TRPCRouterRecord
