// Peak resident memory of a piece of work: RSS sampled on an interval from a baseline taken (after a
// collection, when exposed) just before it starts. Used by the upload and reconcile benches and by the
// upload-memory test, which all ask "how much more memory did this need".

export interface RssMeasured<T> {
  result: T;
  seconds: number;
  /** RSS just before the work began. */
  baseline: number;
  /** Peak RSS minus the baseline. */
  growth: number;
}

export async function withPeakRss<T>(
  work: () => Promise<T>,
  { gc, everyMs = 10 }: { gc?: (() => void) | undefined; everyMs?: number } = {},
): Promise<RssMeasured<T>> {
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, everyMs);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return { result, seconds, baseline, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}
