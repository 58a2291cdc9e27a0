import type { ComponentChildren } from "preact";
import { ApiError } from "../api.ts";

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : undefined;
  return (
    <div class="error" role="alert">
      <p>
        {problem?.title ?? "Something went wrong"}
        {problem?.detail
          ? `: ${problem.detail}`
          : error instanceof Error && !problem
            ? `: ${error.message}`
            : ""}
      </p>
      {problem?.errors && (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.path + e.message}>
              {e.line !== undefined ? <strong>line {e.line}</strong> : <code>{e.path}</code>}{" "}
              {e.line !== undefined && <code>{e.path}</code>}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const Badge = ({ kind, children }: { kind: string; children: ComponentChildren }) => (
  <span class={`badge badge-${kind}`}>{children}</span>
);

export const Rule = ({ id }: { id: string | null | undefined }) =>
  id ? <code class="rule">{id}</code> : null;

export const pairHref = (tenantId: string, workload: string) =>
  `#/pair/${encodeURIComponent(tenantId)}/${encodeURIComponent(workload)}`;
