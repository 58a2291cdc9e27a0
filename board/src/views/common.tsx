import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
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

/** A label that takes a dropped file or opens the file chooser; `onFile` gets the one file chosen. */
export function DropZone(props: { label: string; accept?: string; onFile: (file: File) => void }) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={`dropzone${over ? " over" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) props.onFile(file);
      }}
    >
      {props.label}
      <input
        type="file"
        class="file-input"
        accept={props.accept}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) props.onFile(file);
          e.currentTarget.value = "";
        }}
      />
    </label>
  );
}
