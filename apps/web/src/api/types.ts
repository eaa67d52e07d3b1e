/**
 * The router's types as the page uses them. Everything here is `import type`, so no server
 * code reaches the bundle; a change to a procedure's input or output type breaks this build.
 */
import type { AppRouter, RouterInputs, RouterOutputs } from '@cail/api'
import type { TRPCClientError } from '@trpc/client'

export type { AppRouter }

export type Organization = NonNullable<RouterOutputs['organizations']['mine']>
export type Jurisdiction = RouterOutputs['jurisdictions']['list'][number]
// The procedure also accepts no input at all, which means `{}`; the page always sends an object.
export type CreateOrganizationInput = Extract<RouterInputs['organizations']['create'], object>
export type TypeCode = NonNullable<CreateOrganizationInput['typeCode']>

/** A failed call, with the server's structured `data` unless the server could not be reached. */
export type ApiClientError = TRPCClientError<AppRouter>
