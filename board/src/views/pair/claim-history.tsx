// The claim's history with the reviewer: each claim event in business time, with the reviewer's
// comment or reason, and the service's reading of the review so far.
import { Section } from "../../components/section.tsx";
import { label } from "../../text.ts";
import type { CloudEvent, Pair } from "../../types.ts";

/** The service's reading of the review (contract/STATE.md); the board shows its message. */
interface Review {
  claimId: string;
  message: string;
}

export function ClaimHistory({ pair, timeline }: { pair: Pair; timeline: CloudEvent[] }) {
  const review = (pair.claim as { review?: Review }).review;
  const events = timeline.filter((e) => e.type.startsWith("claim."));
  return (
    <Section id="claim-history" title="Claim history">
      {events.length === 0 ? (
        <p class="muted">Not claimed yet.</p>
      ) : (
        <>
          {review && <p>{review.message}</p>}
          <ol class="history">
            {events.map((e) => (
              <li key={e.source + e.id} class={e.voided ? "voided" : ""}>
                <time dateTime={e.time}>{e.time.slice(0, 10)}</time>{" "}
                <strong>{label(e.type.replace("claim.", ""))}</strong> {String(e.data.claimId ?? "")}
                {["comment", "reason"].map((k) =>
                  e.data[k] ? <blockquote key={k}>{String(e.data[k])}</blockquote> : null,
                )}
                {e.data.respondBy ? <div>Respond by {String(e.data.respondBy)}</div> : null}
              </li>
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}
