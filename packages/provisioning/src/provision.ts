/**
 * Provisions the CAIL organisation of an Auth0 organisation from a back-office job. It calls the
 * organisations router in-process, so the job gets the same checks, defaults and errors as the
 * HTTP API without a server.
 */
import { randomUUID } from 'node:crypto'
import {
  type ApiDependencies,
  createCaller,
  createContext,
  type DatabaseHandle,
  DEFAULT_JURISDICTION_CLAIM,
  type ErrorCode,
  IDEMPOTENCY_REPLAYED_HEADER,
  type Logger,
  OrganizationExistsError,
  type RouterInputs,
  type RouterOutputs,
  type TokenVerifier,
  toServiceError,
} from '@cail/api'
import { TRPCError } from '@trpc/server'

/** Fields that override the token's claims; every field is optional, as in the HTTP API. */
export type ProvisionInput = NonNullable<RouterInputs['organizations']['create']>

export type ProvisionedOrganization = RouterOutputs['organizations']['create']

export interface ProvisioningDependencies {
  /** An open database with the migrations applied, from `openDatabase` and `migrate`. */
  database: Pick<DatabaseHandle, 'db'>
  /** Access token verifier, for example `createTokenVerifier` for the Auth0 tenant. */
  verifier: TokenVerifier
  logger: Logger
  /** Permission the token must grant. Default `create:organizations`; null disables the check. */
  requiredPermission?: string | null
  /**
   * Claim names quoted in messages about values missing from the token. Default `org_name` and
   * `https://cail.health/jurisdiction_id`; set them to the names the verifier reads.
   */
  claims?: Partial<ApiDependencies['claims']>
}

export interface ProvisionRequest {
  /** The Auth0 organisation's access token, without the `Bearer ` prefix. */
  accessToken: string
  input?: ProvisionInput
  /**
   * Key that makes retries safe, as the `Idempotency-Key` header does over HTTP. A call with a
   * key already used for this Auth0 organisation returns the first call's result.
   */
  idempotencyKey?: string
  /** Id that the API's log lines for this call carry as `reqId`. Default a new UUID. */
  requestId?: string
}

/** A failure that the API reports with a stable code, such as `organization_exists`. */
export interface ProvisioningFailure {
  code: ErrorCode
  /** The HTTP status the REST API would send for this failure. */
  status: number
  message: string
  /** One entry per problem; validation failures can have several. */
  messages: string[]
  /** Id of the CAIL organisation that already exists, for `organization_exists`. */
  existingId?: string
}

/** `replayed` is true when the result is the stored one of an earlier call with the same key. */
export type ProvisionResult =
  | { ok: true; organization: ProvisionedOrganization; replayed: boolean }
  | { ok: false; failure: ProvisioningFailure; replayed: boolean }

/**
 * Creates the CAIL organisation of the token's Auth0 organisation. Every failure that the API
 * reports with a code (invalid token, missing permission, existing organisation, unavailable
 * database or key set, invalid input) is returned. Only unexpected errors are thrown, as the
 * router's TRPCError with the original error as its cause.
 */
export async function provisionOrganization(
  dependencies: ProvisioningDependencies,
  request: ProvisionRequest,
): Promise<ProvisionResult> {
  const context = createContext(apiDependencies(dependencies), {
    authorization: `Bearer ${request.accessToken}`,
    requestId: request.requestId ?? randomUUID(),
    idempotencyKey: request.idempotencyKey,
  })
  const caller = createCaller(context)
  const wasReplayed = () => context.responseHeaders.get(IDEMPOTENCY_REPLAYED_HEADER) === 'true'

  try {
    const organization = await caller.organizations.create(request.input ?? {})
    return { ok: true, organization, replayed: wasReplayed() }
  } catch (error) {
    const failure = readFailure(error)
    if (!failure) {
      throw error
    }
    return { ok: false, failure, replayed: wasReplayed() }
  }
}

function apiDependencies(dependencies: ProvisioningDependencies): ApiDependencies {
  return {
    db: dependencies.database.db,
    verifier: dependencies.verifier,
    logger: dependencies.logger,
    requiredPermission:
      dependencies.requiredPermission === undefined
        ? 'create:organizations'
        : dependencies.requiredPermission,
    claims: {
      organizationName: dependencies.claims?.organizationName ?? 'org_name',
      jurisdiction: dependencies.claims?.jurisdiction ?? DEFAULT_JURISDICTION_CLAIM,
    },
  }
}

function readFailure(error: unknown): ProvisioningFailure | undefined {
  const serviceError = error instanceof TRPCError ? toServiceError(error) : undefined
  if (!serviceError) {
    return undefined
  }

  const failure: ProvisioningFailure = {
    code: serviceError.code,
    status: serviceError.status,
    message: serviceError.message,
    messages: [...serviceError.messages],
  }
  if (serviceError instanceof OrganizationExistsError && serviceError.existingId) {
    failure.existingId = serviceError.existingId
  }
  return failure
}
