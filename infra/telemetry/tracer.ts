// The tracer spans are made with, when there is one to make them: import-light (the OpenTelemetry API
// only), so the Cosmos client can ask without loading the exporters.
import { ProxyTracerProvider, type Tracer, trace } from "@opentelemetry/api";

export const TRACER_NAME = "engagement-lifecycle-tracker";

/**
 * The tracer when a provider is registered (telemetry export on, infra/telemetry/otel.ts), else undefined.
 * Off, the API's no-op span still costs a wrapper, a span object and a promise per call; callers skip it.
 */
export function exportingTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider)) return trace.getTracer(TRACER_NAME);
  return provider.getDelegateTracer(TRACER_NAME);
}
