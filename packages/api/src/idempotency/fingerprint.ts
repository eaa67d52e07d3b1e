/** Request fingerprints: what makes two requests with one `Idempotency-Key` the same request. */
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'

/**
 * Returns the SHA-256 (hex) of the operation name and the RFC 8785 canonical JSON of the
 * parsed input. Key order and insignificant white space therefore do not matter, and neither
 * do differences that parsing removes, such as spaces around a name.
 */
export function fingerprintRequest(operation: string, input: unknown): string {
  const canonicalInput = canonicalize(input ?? {})
  if (canonicalInput === undefined) {
    throw new TypeError(`the input of ${operation} cannot be represented as JSON`)
  }
  return createHash('sha256').update(`${operation}\n${canonicalInput}`).digest('hex')
}
