import type { Jurisdiction, TypeCode } from '../api/types'

/**
 * Display names of the organisation type codes. The Record type makes the build fail when the
 * API adds or removes a type code until this list matches.
 */
export const TYPE_LABELS: Record<TypeCode, string> = {
  commissioner: 'Commissioner',
  provider: 'Provider',
  health_board: 'Health board',
}

export const TYPE_CODES = Object.keys(TYPE_LABELS) as TypeCode[]

export const DEFAULT_TYPE_CODE: TypeCode = 'commissioner'

/** Returns the jurisdiction's name, or its id when the list does not contain it. */
export function jurisdictionName(jurisdictions: readonly Jurisdiction[], id: string): string {
  return jurisdictions.find((jurisdiction) => jurisdiction.id === id)?.name ?? id
}
