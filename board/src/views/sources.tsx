// CRM sources (issue 15): what GET /api/sources answers — each source's format, how it authenticates
// (the mode only; secrets never leave the service), its delivery counts and the records it had refused,
// each with the CRM field at fault, so the partner can fix the CRM side.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote } from "./common.tsx";

interface Refusal {
  id: string;
  source: string;
  at: string;
  record: string;
  errors: { path: string; message: string }[];
}
interface Source {
  name: string;
  format: string;
  auth: string;
  deliveries: string;
  activity: {
    since: string;
    lastDeliveryAt: string | null;
    delivered: number;
    duplicates: number;
    refused: number;
    unauthorized?: number;
  };
  refusalLog: { count: number; newest: Refusal[] };
}

const FORMAT: Record<string, string> = {
  cloudevents: "CloudEvents",
  dataverse: "Dynamics 365 / Dataverse",
  hubspot: "HubSpot",
  "salesforce-outbound": "Salesforce Outbound Message",
};
const AUTH: Record<string, string> = {
  "standard-webhooks": "Standard Webhooks signature",
  "http-header": "Secret in a header (Dataverse HttpHeader)",
  "query-code": "Secret as ?code= (Dataverse WebhookKey)",
  "hubspot-v3": "X-HubSpot-Signature-v3",
  "salesforce-org": "Organization id and ?code=",
};

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

export function SourcesView() {
  const [sources, setSources] = useState<Source[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api<{ sources: Source[] }>("sources").then((r) => setSources(r.sources), setError);
  }, []);
  const refusals = (sources ?? [])
    .flatMap((s) => s.refusalLog.newest.map((r) => ({ ...r, source: s.name })))
    .sort((a, b) => b.at.localeCompare(a.at));
  const since = sources?.[0]?.activity.since;
  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">CRM sources</h1>
      <p>
        The sources your CRMs deliver to (<code>POST /api/sources/&#123;source&#125;/deliveries</code>) and
        what each delivered. Counts are this service instance's{since ? ` since ${when(since)}` : ""}; the
        refused records are kept until you fix them in the CRM.
      </p>
      <ErrorNote error={error} />
      {sources && (
        <>
          <table class="sources" data-testid="sources-table">
            <caption>Your sources and their deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Format</th>
                <th scope="col">Authentication</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Delivered</th>
                <th scope="col">Duplicates</th>
                <th scope="col">Refused</th>
                <th scope="col">Unauthorized</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr key={s.name} data-source={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>{FORMAT[s.format] ?? s.format}</td>
                  <td>{AUTH[s.auth] ?? s.auth}</td>
                  <td>{when(s.activity.lastDeliveryAt)}</td>
                  <td data-count="delivered">{s.activity.delivered}</td>
                  <td data-count="duplicates">{s.activity.duplicates}</td>
                  <td data-count="refused">{s.activity.refused}</td>
                  <td data-count="unauthorized">{s.activity.unauthorized ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Recently refused records</h2>
          {refusals.length === 0 ? (
            <p class="muted">No record refused.</p>
          ) : (
            <table class="sources" data-testid="refusals-table">
              <caption>
                Records that made no valid event and were not stored: fix the CRM field named, then let the
                CRM deliver again
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Source</th>
                  <th scope="col">Record</th>
                  <th scope="col">CRM field</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {refusals.flatMap((r) =>
                  r.errors.map((e, i) => (
                    <tr key={`${r.id}|${i}`} data-refusal={r.source}>
                      <td>{when(r.at)}</td>
                      <td>{r.source}</td>
                      <td>
                        <code>{r.record}</code>
                      </td>
                      <td>
                        <code>{e.path}</code>
                      </td>
                      <td>{e.message}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
