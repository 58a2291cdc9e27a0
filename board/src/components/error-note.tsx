import { ApiError } from "../api.ts";

/** What went wrong, as the service's problem document says it: its title, detail and each field at fault. */
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
