// The pair's POE documents: each one to download, and a drop zone to attach another, with its kind
// and the workloads it names (what the checklist reads from it).
import { useState } from "preact/hooks";
import { POE_DOCUMENT_KINDS } from "../../../../domain/value-sets.ts";
import { api, download, save } from "../../api.ts";
import { DropZone } from "../../components/drop-zone.tsx";
import { ErrorNote } from "../../components/error-note.tsx";
import { Choice, TextField } from "../../components/field.tsx";
import { Section } from "../../components/section.tsx";
import type { CloudEvent } from "../../types.ts";

export function Documents(props: {
  path: string;
  workload: string;
  documents: CloudEvent[];
  onChange: () => void;
}) {
  const [kind, setKind] = useState("sow");
  const [mentioned, setMentioned] = useState(props.workload);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);
  const upload = async (file: File) => {
    setError(null);
    setStatus(`Uploading ${file.name}…`);
    const form = new FormData();
    form.set("kind", kind);
    form.set("workloadsMentioned", mentioned);
    form.set("file", file, file.name);
    try {
      await api(`${props.path}/documents`, { method: "POST", body: form });
      setStatus(`${file.name} is attached.`);
      props.onChange();
    } catch (e) {
      setStatus("");
      setError(e);
    }
  };
  const fetchDocument = async (d: CloudEvent) => {
    const blob = await download(`${props.path}/documents/${encodeURIComponent(String(d.data.documentId))}`);
    save(blob, String(d.data.fileName ?? "document"));
  };
  return (
    <Section id="documents" title="Documents">
      {props.documents.length === 0 ? (
        <p class="muted">No document attached.</p>
      ) : (
        <ul>
          {props.documents.map((d) => (
            <li key={String(d.data.documentId)}>
              <button type="button" class="link" onClick={() => void fetchDocument(d)}>
                Download {String(d.data.fileName)}
              </button>{" "}
              <span class="muted">
                {String(d.data.kind)} · names{" "}
                {(d.data.workloadsMentioned as string[] | undefined)?.join(", ")}
              </span>
            </li>
          ))}
        </ul>
      )}
      <div class="upload-fields">
        <Choice id="doc-kind" label="Kind" value={kind} options={POE_DOCUMENT_KINDS} onValue={setKind} />
        <TextField
          id="doc-workloads"
          label="Workloads it names (comma-separated)"
          value={mentioned}
          onValue={setMentioned}
        />
      </div>
      <DropZone label="Drop a document here, or choose a file" onFile={(file) => void upload(file)} />
      <p role="status">{status}</p>
      <ErrorNote error={error} />
    </Section>
  );
}
