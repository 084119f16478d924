import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, Histogram } from 'hdr-histogram-js';

/** Latencies are recorded in microseconds, 1 µs to 10 min, 3 significant digits. */
export function newHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, autoResize: false });
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Merges histograms encoded by the load clients. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const one of encoded) merged.add(decodeFromCompressedBase64(one, 32, false));
  return merged;
}

/** A latency distribution in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  const ms = (micros: number) => Math.round(micros) / 1000;
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}
