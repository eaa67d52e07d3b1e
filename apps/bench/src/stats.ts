/** Percentiles and medians of measured figures. */

/** Latency percentiles of one run, in milliseconds. */
export interface LatencySummary {
  p50: number
  p99: number
}

/** Nearest-rank percentiles of `samples`; sorts a copy. */
export function summarizeLatencies(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort()
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN
  }
  const rank = Math.max(1, Math.ceil(fraction * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

/** Median of the defined values, or undefined when there are none. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined)
  if (defined.length === 0) {
    return undefined
  }
  const sorted = [...defined].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length % 2 === 1) {
    return sorted[middle]
  }
  return ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** Growable buffer of latency samples, so that a long run does not build a huge array. */
export class SampleBuffer {
  #values = new Float64Array(16_384)
  #length = 0

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#length] = value
    this.#length += 1
  }

  get length(): number {
    return this.#length
  }

  values(): Float64Array {
    return this.#values.subarray(0, this.#length)
  }
}
