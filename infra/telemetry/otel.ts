// OpenTelemetry to Azure Monitor, on only when APPLICATIONINSIGHTS_CONNECTION_STRING is set: a span per
// invocation (requests, timer runs, change-feed batches), a dependency span per Cosmos DB request, and
// the application's counters as metrics. Off, the API's no-op tracer and meter cost next to nothing.
import {
  type AzureMonitorExporterOptions,
  AzureMonitorMetricExporter,
  AzureMonitorTraceExporter,
} from "@azure/monitor-opentelemetry-exporter";
import { type Attributes, metrics, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { type CounterName, counters } from "../../application/telemetry.ts";
import { azureCredential } from "../identity.ts";
import { logLine } from "./log.ts";
import { exportingTracer, TRACER_NAME } from "./tracer.ts";

export interface TelemetryHandle {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let started: TelemetryHandle | undefined;

/**
 * Starts export once per process. With `Authorization=AAD` in APPLICATIONINSIGHTS_AUTHENTICATION_STRING
 * the exporters authenticate with the managed identity (the resource then refuses local auth).
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): TelemetryHandle | undefined {
  const options = exporterOptions(env);
  if (!options || started) return started;
  const tracing = new NodeTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new AzureMonitorTraceExporter(options))],
  });
  tracing.register();
  const metering = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter(options),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(metering);
  const meter = metering.getMeter(TRACER_NAME);
  const instruments = new Map<CounterName, ReturnType<typeof meter.createCounter>>();
  counters.addSink({
    add(name, value, attributes) {
      let counter = instruments.get(name);
      if (!counter) {
        counter = meter.createCounter(`tracker.${name}`);
        instruments.set(name, counter);
      }
      counter.add(value, attributes);
    },
  });
  logLine("information", "telemetry: exporting traces and metrics to Azure Monitor", {
    entraAuth: Boolean(options.credential),
  });
  started = {
    async flush() {
      await Promise.all([tracing.forceFlush(), metering.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracing.shutdown(), metering.shutdown()]);
      started = undefined;
    },
  };
  return started;
}

/** The exporters' options from the app settings; undefined (export off) without a connection string. */
export function exporterOptions(env: NodeJS.ProcessEnv): AzureMonitorExporterOptions | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return undefined;
  const options: AzureMonitorExporterOptions = { connectionString };
  const authentication = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? "";
  if (/Authorization=AAD/i.test(authentication)) {
    const clientId = /ClientId=([^;]+)/i.exec(authentication)?.[1];
    options.credential = azureCredential(clientId ? { ...env, AZURE_CLIENT_ID: clientId } : env);
  }
  return options;
}

export type InvocationKind = "http" | "timer" | "cosmosChangeFeed";

/** Runs one invocation inside a span (SERVER for requests, CONSUMER for the feed, INTERNAL for timers). */
export function inInvocationSpan<T>(
  name: string,
  kind: InvocationKind,
  attributes: Attributes,
  work: () => Promise<T>,
  statusOf?: (result: T) => number | undefined,
): Promise<T> {
  const tracer = exportingTracer();
  if (!tracer) return work(); // export off: no span to record
  const spanKind =
    kind === "http" ? SpanKind.SERVER : kind === "timer" ? SpanKind.INTERNAL : SpanKind.CONSUMER;
  return tracer.startActiveSpan(name, { kind: spanKind, attributes }, async (span) => {
    try {
      const result = await work();
      const status = statusOf?.(result);
      if (status !== undefined) {
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
