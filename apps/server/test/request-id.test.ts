import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { requestIdFor } from '../src/request-id.js'
import { UUID } from './support/http.js'

function requestWith(requestId: string | string[] | undefined): IncomingMessage {
  return { headers: { 'x-request-id': requestId } } as unknown as IncomingMessage
}

// The HTTP suites cannot send these values: Node's parser rejects CR and LF in header values,
// and it joins repeated headers into one string before the app reads them.
describe('requestIdFor', () => {
  it('keeps sane request id', () => {
    expect(requestIdFor(requestWith('trace-1.a:b_C'))).toBe('trace-1.a:b_C')
  })

  for (const [description, value] of [
    ['CR LF', 'abc\r\nSet-Cookie: injected=1'],
    ['bare LF', 'abc\ndef'],
    ['NUL', 'abc\u0000def'],
    ['empty', ''],
    ['non-ASCII', 'café'],
  ] as const) {
    it(`replaces request id with ${description}`, () => {
      expect(requestIdFor(requestWith(value))).toMatch(UUID)
    })
  }

  it('replaces repeated header array', () => {
    expect(requestIdFor(requestWith(['a', 'b']))).toMatch(UUID)
  })
})
