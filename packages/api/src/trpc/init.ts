/**
 * tRPC setup in three parts: the context each call receives, the tRPC instance with its error
 * formatter, and the procedure builders that add the verified caller to the context.
 */
import { getTRPCErrorFromUnknown, initTRPC, type TRPCError } from '@trpc/server'
import type { LogFn } from 'pino'
import type { CallerIdentity } from '../auth/identity.js'
import { authenticate, requireOperator } from '../auth/policy.js'
import type { TokenVerifier } from '../auth/verifier.js'
import type { Database } from '../db/client.js'
import { DEFAULT_DATABASE_TIMEOUT_MS, withDatabaseDeadline } from '../db/deadline.js'
import type { ErrorCode } from '../errors.js'
import type { ClaimNames } from '../organizations/resolve.js'
import { normalizeTRPCError, toServiceError } from './errors.js'

// ---------------------------------------------------------------------------
// 1. Context
// ---------------------------------------------------------------------------

/** The logging calls the API uses; a pino logger or a Fastify request logger fits. */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  child(bindings: Record<string, unknown>): Logger
}

/** Long-lived collaborators, created once per process and injected into every call. */
export interface ApiDependencies {
  db: Database
  verifier: TokenVerifier
  logger: Logger
  /** Permission a token must grant to create organisations; null disables the check. */
  requiredPermission: string | null
  /** Names of the token claims that fill absent request fields. */
  claims: ClaimNames
  /** Bound on the database work of one call, in milliseconds; past it the call fails with 503. Default 12000. */
  databaseTimeoutMs?: number
}

/** Details of one request, as the transport received it. */
export interface RequestMetadata {
  /** The raw `Authorization` header value, if any. */
  authorization: string | undefined
  requestId: string
  /** Request-scoped logger; defaults to a child of the dependencies' logger. */
  logger?: Logger
  /** The raw `Idempotency-Key` header value, if any. */
  idempotencyKey?: string | readonly string[] | undefined
}

export function createContext(dependencies: ApiDependencies, request: RequestMetadata) {
  return {
    db: dependencies.db,
    verifier: dependencies.verifier,
    requiredPermission: dependencies.requiredPermission,
    claims: dependencies.claims,
    databaseTimeoutMs: dependencies.databaseTimeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS,
    authorization: request.authorization,
    requestId: request.requestId,
    logger: request.logger ?? dependencies.logger.child({ reqId: request.requestId }),
    idempotencyKey: request.idempotencyKey,
    /** Headers that procedures add to the HTTP response, such as `Idempotency-Replayed`. */
    responseHeaders: new Map<string, string>(),
  }
}

export type Context = ReturnType<typeof createContext>

// ---------------------------------------------------------------------------
// 2. Initialisation
// ---------------------------------------------------------------------------

/** `error.data` of every tRPC failure; the same fields as the REST error envelope. */
export interface ErrorData {
  /** Stable machine label, the REST envelope's `code`. */
  code: ErrorCode
  /** One entry per problem. Validation messages start with the field name. */
  messages: string[]
  /** The same problems as `messages`, in the same order, with the request field each concerns. */
  issues: { path: string[]; message: string }[]
  requestId: string | undefined
  httpStatus: number
  /** tRPC's own code, such as `CONFLICT`. */
  trpcCode: string
  path: string | undefined
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, ctx }) {
    const serviceError = toServiceError(error)
    const message = serviceError?.message ?? 'Internal server error'
    const data: ErrorData = {
      code: serviceError?.code ?? 'internal_error',
      messages: [...(serviceError?.messages ?? [message])],
      issues: (serviceError?.issues ?? [{ path: [], message }]).map((issue) => ({
        path: [...issue.path],
        message: issue.message,
      })),
      requestId: ctx?.requestId,
      httpStatus: serviceError?.status ?? 500,
      trpcCode: shape.data.code,
      path: shape.data.path,
    }
    // Never shape.data.stack: stack traces stay in the log.
    return { code: shape.code, message, data }
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

// ---------------------------------------------------------------------------
// 3. Procedures
// ---------------------------------------------------------------------------

/**
 * Runs the rest of a call and re-throws ServiceErrors and input validation failures with the
 * tRPC code of their status.
 */
async function normalizingErrors<TResult extends { ok: true } | { ok: false; error: TRPCError }>(
  call: () => Promise<TResult>,
): Promise<TResult> {
  let result: TResult
  try {
    result = await call()
  } catch (error) {
    throw normalizeTRPCError(getTRPCErrorFromUnknown(error))
  }
  if (!result.ok) {
    throw normalizeTRPCError(result.error)
  }
  return result
}

/**
 * A procedure builder with one middleware, so that tRPC copies the context once per call
 * instead of once per step. The middleware verifies the caller, lets `admit` check it, and
 * bounds the rest of the call's database work by `databaseTimeoutMs` (token verification has
 * its own JWKS timeout).
 */
function guardedProcedure<TCaller>(admit: (caller: CallerIdentity, ctx: Context) => TCaller) {
  return t.procedure.use(({ ctx, next }) =>
    normalizingErrors(async () => {
      const caller = admit(await authenticate(ctx.verifier, ctx.authorization), ctx)
      return withDatabaseDeadline(
        (queries) => next({ ctx: { caller, queries } }),
        ctx.databaseTimeoutMs,
      )
    }),
  )
}

/** Procedure builder for a verified caller, who may or may not act for an Auth0 organisation. */
export const authenticatedProcedure = guardedProcedure((caller) => caller)

/**
 * Procedure builder for a verified caller acting for an Auth0 organisation, with or without
 * the create permission: any member of the Auth0 organisation may read what belongs to it.
 */
export const organizationMemberProcedure = guardedProcedure((caller) =>
  requireOperator(caller, null),
)

/** Procedure builder for a verified caller acting for an Auth0 organisation with the required permission. */
export const operatorProcedure = guardedProcedure((caller, ctx) =>
  requireOperator(caller, ctx.requiredPermission),
)
