import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  AuthenticationError,
  openDatabase,
  readBearerToken,
  readDatabaseFailure,
  schema,
} from '../src/index.js'

/** Runs `read` and returns the AuthenticationError it throws. */
function captureAuthenticationError(read: () => unknown): AuthenticationError {
  let thrown: unknown
  try {
    read()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(AuthenticationError)
  return thrown as AuthenticationError
}

/** Finds a loopback port that nothing listens on, by binding port 0 and releasing it. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') {
    throw new Error('loopback probe server has no TCP address')
  }
  return address.port
}

describe('readBearerToken', () => {
  it('returns token after single space', () => {
    expect(readBearerToken('Bearer abc.def-ghi_jkl~')).toBe('abc.def-ghi_jkl~')
  })

  it('accepts repeated spaces and padding', () => {
    expect(readBearerToken('  bearer   YWJj==  ')).toBe('YWJj==')
  })

  it('rejects whitespace-only header as absent', () => {
    const error = captureAuthenticationError(() => readBearerToken('   '))

    expect(error.tokenPresented).toBe(false)
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="cail"')
  })

  it('rejects tab after scheme', () => {
    const error = captureAuthenticationError(() => readBearerToken('Bearer\tabc'))

    expect(error.tokenPresented).toBe(false)
  })

  it('rejects padding inside token', () => {
    const error = captureAuthenticationError(() => readBearerToken('Bearer ab=c'))

    expect(error.tokenPresented).toBe(true)
  })

  it('accepts token of 16384 characters', () => {
    const token = 'a'.repeat(16_384)

    expect(readBearerToken(`Bearer ${token}`)).toBe(token)
  })

  // Node's default 16 KiB header limit stops a longer token before the app over HTTP.
  it('rejects token over 16384 characters', () => {
    const error = captureAuthenticationError(() => readBearerToken(`Bearer ${'a'.repeat(16_385)}`))

    expect(error.tokenPresented).toBe(true)
    expect(error.message).toBe(
      'malformed Authorization header; send Authorization: Bearer <access token>',
    )
  })
})

describe('readDatabaseFailure', () => {
  it('reads postgres.js unique violation', () => {
    const error = Object.assign(new Error('duplicate key value'), {
      code: '23505',
      severity: 'ERROR',
      constraint_name: 'organizations_auth0_organization_id_key',
    })

    expect(readDatabaseFailure(error)).toEqual({
      sqlState: '23505',
      constraint: 'organizations_auth0_organization_id_key',
      unavailable: false,
    })
  })

  it('reads PGlite error inside Drizzle cause', () => {
    const pgliteError = Object.assign(new Error('insert or update violates foreign key'), {
      code: '23503',
      severity: 'ERROR',
      constraint: 'organizations_jurisdiction_id_jurisdictions_id_fk',
    })
    const wrapped = new Error('Failed query: insert into "organizations"', { cause: pgliteError })

    expect(readDatabaseFailure(wrapped)).toEqual({
      sqlState: '23503',
      constraint: 'organizations_jurisdiction_id_jurisdictions_id_fk',
      unavailable: false,
    })
  })

  for (const sqlState of ['08006', '57P01', '57P03', '53300', '57014']) {
    it(`marks SQLSTATE ${sqlState} unavailable`, () => {
      const error = Object.assign(new Error('server failure'), {
        code: sqlState,
        severity: 'FATAL',
      })

      expect(readDatabaseFailure(error)?.unavailable).toBe(true)
    })
  }

  it('ignores errors without a database code', () => {
    expect(readDatabaseFailure(new TypeError('x is not a function'))).toBeUndefined()
  })

  it('ignores five-letter code without severity', () => {
    const error = Object.assign(new Error('operation not permitted'), { code: 'EPERM' })

    expect(readDatabaseFailure(error)).toBeUndefined()
  })

  it('stops on cyclic cause chain', () => {
    const error = new Error('first') as Error & { cause?: unknown }
    error.cause = error

    expect(readDatabaseFailure(error)).toBeUndefined()
  })

  it('marks refused connection unavailable', async () => {
    const port = await closedLoopbackPort()
    const handle = await openDatabase({
      kind: 'postgres',
      url: `postgres://postgres@127.0.0.1:${port}/absent`,
      connectTimeoutSeconds: 2,
    })

    try {
      const error = await handle.db
        .select()
        .from(schema.jurisdictions)
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        )

      expect(error).toBeInstanceOf(Error)
      expect(readDatabaseFailure(error)).toEqual({
        sqlState: undefined,
        constraint: undefined,
        unavailable: true,
      })
    } finally {
      await handle.close()
    }
  })
})
