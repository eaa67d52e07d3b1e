/** Request and response schemas of `organizations.create`, shared by tRPC, REST and the OpenAPI document. */
import { z } from 'zod'
import { organizationTypeCodes } from '../db/schema.js'

/** Maximum organisation name length, in Unicode code points after trimming. */
export const NAME_MAX_LENGTH = 200

export const DEFAULT_TYPE_CODE = 'commissioner'

// C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u

/** Validates an organisation name from any source; `label` names the source in messages. */
export function organizationNameSchema(label: string) {
  return z
    .string({ error: (issue) => `${label} must be a string, not ${describeValue(issue.input)}` })
    .trim()
    .refine((value) => value.isWellFormed(), {
      error: `${label} contains an unpaired UTF-16 surrogate; send valid Unicode text`,
      abort: true,
    })
    .overwrite((value) => value.normalize('NFC'))
    .refine((value) => value.length > 0, { error: `${label} must not be empty`, abort: true })
    .refine((value) => !CONTROL_CHARACTER.test(value), {
      error: `${label} must not contain control characters such as line breaks, tabs or NUL`,
    })
    .refine((value) => codePointLength(value) <= NAME_MAX_LENGTH, {
      error: (issue) =>
        `${label} must be at most ${NAME_MAX_LENGTH} characters (got ${codePointLength(String(issue.input))})`,
    })
}

export const typeCodeSchema = z.enum(organizationTypeCodes, {
  error: (issue) =>
    `typeCode ${describeValue(issue.input)} is not supported; use one of ${organizationTypeCodes.join(', ')}`,
})

export const jurisdictionIdSchema = z.string({
  error: (issue) => `jurisdictionId must be a string, not ${describeValue(issue.input)}`,
})

/** Request body: every field optional, unknown fields rejected. */
export const createOrganizationInput = z.strictObject(
  {
    name: organizationNameSchema('name').optional(),
    typeCode: typeCodeSchema.optional(),
    jurisdictionId: jurisdictionIdSchema.optional(),
  },
  {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; the accepted fields are name, typeCode and jurisdictionId`
      }
      return `request body must be a JSON object, not ${describeValue(issue.input)}`
    },
  },
)

export type CreateOrganizationInput = z.input<typeof createOrganizationInput>

export const organizationOutput = z.object({
  id: z.uuid(),
  name: z.string(),
  typeCode: z.enum(organizationTypeCodes),
  jurisdictionId: z.string(),
  active: z.boolean(),
})

export type Organization = z.infer<typeof organizationOutput>

function codePointLength(value: string): number {
  let length = 0
  for (const _ of value) {
    length += 1
  }
  return length
}

/** Short description of a rejected value for messages; long strings are cut so messages stay small. */
export function describeValue(value: unknown): string {
  if (value === null) {
    return 'null'
  }
  if (Array.isArray(value)) {
    return 'an array'
  }
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
    return JSON.stringify(shown)
  }
  if (typeof value === 'object') {
    return 'an object'
  }
  if (value === undefined) {
    return 'missing'
  }
  return `${typeof value} ${String(value)}`
}
