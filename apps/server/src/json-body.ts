/**
 * Checks on JSON request bodies beyond JSON.parse: the bytes must be valid UTF-8, nesting is
 * bounded, and no object may repeat a key. JSON.parse keeps the last of two equal keys, so a
 * body such as {"name":"A","name":"B"} would mean different things to different parsers.
 */
import { ValidationError } from '@cail/api'
import { parse as parseJsonSyntaxTree } from '@humanwhocodes/momoa'

/** Deepest accepted nesting of arrays and objects; the create body is a flat object. */
export const MAX_JSON_DEPTH = 32

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes the body; throws a 400 `invalid_json` for bytes that are not UTF-8. */
export function decodeJsonText(body: Buffer): string {
  try {
    return strictUtf8.decode(body)
  } catch {
    throw invalidJson('request body is not valid UTF-8; send JSON text encoded as UTF-8')
  }
}

/**
 * Throws a 400 `invalid_json` when `value` (parsed from `text`) nests deeper than
 * MAX_JSON_DEPTH or when an object in `text` has a key twice.
 */
export function rejectAmbiguousJson(text: string, value: unknown): void {
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw invalidJson(
      `request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; send a flat JSON object such as {"name": "…"}`,
    )
  }

  // The depth bound above keeps momoa's recursive parser far from the stack limit.
  const duplicate = findDuplicateKey(text)
  if (duplicate !== undefined) {
    const shown = duplicate.length > 40 ? `${duplicate.slice(0, 40)}…` : duplicate
    throw invalidJson(
      `request body has the key ${JSON.stringify(shown)} more than once in one object; send each field once`,
    )
  }
}

function depthExceeds(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }]
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') {
      continue
    }
    if (next.depth >= maxDepth) {
      return true
    }
    for (const child of Object.values(next.value)) {
      pending.push({ value: child, depth: next.depth + 1 })
    }
  }
  return false
}

function findDuplicateKey(text: string): string | undefined {
  const document = parseJsonSyntaxTree(text, { mode: 'json' })
  const objects = [document.body]
  for (let node = objects.pop(); node; node = objects.pop()) {
    if (node.type === 'Array') {
      objects.push(...node.elements.map((element) => element.value))
    }
    if (node.type !== 'Object') {
      continue
    }

    const keys = new Set<string>()
    for (const member of node.members) {
      const key = member.name.type === 'String' ? member.name.value : member.name.name
      if (keys.has(key)) {
        return key
      }
      keys.add(key)
      objects.push(member.value)
    }
  }
  return undefined
}

function invalidJson(message: string): ValidationError {
  return new ValidationError([message], 'invalid_json')
}
