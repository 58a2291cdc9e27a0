// Structured log lines: one JSON object per line, carrying the invocation's correlation (invocation id,
// function, event ids, pairs) and never a secret. Lines go through the invocation's own context so Azure
// files them under the invocation (App Insights traces); listeners let tests read what was written.
import type { InvocationContext } from "@azure/functions";
import { type Correlation, knownSecrets, registerSecrets } from "../../application/telemetry.ts";

export { registerSecrets };

export type LogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical";

export interface LogLine extends Partial<Correlation> {
  level: LogLevel;
  msg: string;
  time: string;
  error?: { name: string; message: string; stack?: string };
  [field: string]: unknown;
}

// ---- secrets --------------------------------------------------------------------------------------------

/** The secrets the configuration holds: source secrets, API keys, webhook secrets, keys. */
export function registerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const json = (text: string | undefined): unknown[] => {
    try {
      const value = text ? JSON.parse(text) : [];
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  };
  const values: (string | undefined)[] = [
    env.TRACKER_PAGE_TOKEN_KEY,
    env.COSMOS_KEY,
    env.STORAGE_CONNECTION_STRING,
    env.DEV_WEBHOOK_SECRET,
    env.DEV_API_KEY,
  ];
  for (const s of json(env.TRACKER_SOURCES) as { secrets?: unknown }[])
    if (Array.isArray(s?.secrets))
      values.push(...s.secrets.filter((x): x is string => typeof x === "string"));
  for (const k of json(env.TRACKER_API_KEYS) as { key?: unknown }[])
    if (typeof k?.key === "string") values.push(k.key);
  for (const w of json(env.TRACKER_ALERT_WEBHOOKS) as { secret?: unknown; url?: unknown }[]) {
    if (typeof w?.secret === "string") values.push(w.secret);
    if (typeof w?.url === "string") values.push(w.url); // Teams workflow URLs carry their signature
  }
  registerSecrets(values);
}

// Shapes of secrets whatever their value: webhook secrets, key=value credentials, SAS signatures, tokens.
const PATTERNS: [RegExp, string][] = [
  [/whsec_[A-Za-z0-9+/=_-]+/g, "whsec_[redacted]"],
  [
    /\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig|code|key|secret|token)=([^;&\s"',]+)/gi,
    "$1=[redacted]",
  ],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, "Bearer [redacted]"],
  [/("(?:x-api-key|authorization|webhook-signature|x-functions-key)"\s*:\s*")[^"]*"/gi, '$1[redacted]"'],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets()) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

// ---- lines ----------------------------------------------------------------------------------------------

type Listener = (line: LogLine) => void;
const listeners = new Set<Listener>();

/** Every structured line written in this process is also handed to `listener` (tests, local tooling). */
export function onLogLine(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function describeError(error: Error): LogLine["error"] {
  const stack = error.stack?.split("\n").slice(1, 6).join("\n");
  return { name: error.name, message: error.message, ...(stack ? { stack } : {}) };
}

/**
 * One line from a log call's arguments (strings form the message, an Error its `error`, objects merge),
 * as written: JSON, with every secret redacted from the serialized text.
 */
function render(level: LogLevel, args: readonly unknown[], correlation?: Partial<Correlation>): string {
  const parts: string[] = [];
  const fields: Record<string, unknown> = {};
  let error: LogLine["error"];
  for (const arg of args) {
    if (arg instanceof Error) {
      error ??= describeError(arg);
      parts.push(arg.message);
    } else if (typeof arg === "string") parts.push(arg);
    else if (arg && typeof arg === "object") Object.assign(fields, arg);
    else if (arg !== undefined) parts.push(String(arg));
  }
  const line: LogLine = {
    time: new Date().toISOString(),
    level,
    ...correlation,
    msg: parts.join(" "),
    ...fields,
    ...(error ? { error } : {}),
  };
  // Redact the serialized line, so a secret hidden anywhere (a field, a stack) is caught too. Serialized
  // once: the text is what is written; listeners (tests, tooling) get it parsed back.
  return redact(JSON.stringify(line));
}

/** Writes a rendered line through `write` and hands it, parsed, to the listeners (when there are any). */
function emit(text: string, write: (text: string) => void): void {
  write(text);
  if (listeners.size === 0) return;
  const line = JSON.parse(text) as LogLine;
  for (const listener of listeners) listener(line);
}

type ContextLogMethod = "log" | "trace" | "debug" | "info" | "warn" | "error";
const LEVELS: Record<ContextLogMethod, LogLevel> = {
  log: "information",
  trace: "trace",
  debug: "debug",
  info: "information",
  warn: "warning",
  error: "error",
};

/**
 * The context a handler is given: the host's own, whose logging methods write structured lines carrying
 * the invocation's `correlation` (as it is when each line is written). The host's context stays the
 * prototype, so everything else (invocationId, triggerMetadata…) is unchanged.
 */
export function structuredContext(context: InvocationContext, correlation: Correlation): InvocationContext {
  const wrapped = Object.create(context) as InvocationContext;
  for (const method of Object.keys(LEVELS) as ContextLogMethod[]) {
    const original = context[method].bind(context);
    wrapped[method] = (...args: unknown[]) => emit(render(LEVELS[method], args, correlation), original);
  }
  correlations.set(wrapped, correlation);
  return wrapped;
}

const correlations = new WeakMap<InvocationContext, Correlation>();

/** The correlation of a context structuredContext made (undefined for any other context). */
export function correlationOf(context: InvocationContext | undefined): Correlation | undefined {
  return context ? correlations.get(context) : undefined;
}

/** A line outside any handler's context (start-up, telemetry itself): to stderr/stdout as JSON. */
export function logLine(level: LogLevel, ...args: unknown[]): void {
  const toStderr = level === "error" || level === "critical" || level === "warning";
  emit(render(level, args), toStderr ? console.error : console.log);
}
