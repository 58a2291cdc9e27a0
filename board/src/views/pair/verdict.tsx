// The pair's verdict (stage, eligibility, whether it can be claimed now, and why, with the service's
// own messages and rule ids) and the deadlines of its open windows.
import { ClaimableBadge, Rule } from "../../components/marks.tsx";
import { Section } from "../../components/section.tsx";
import { daysText, label, windowName } from "../../text.ts";
import type { Pair, Window } from "../../types.ts";

interface Reason {
  code: string;
  rule: string | null;
  message: string;
}
interface EligibilitySpan {
  eligibility: string;
  from: string;
  until?: string;
  message: string;
}

/** Messages, each with the rule it comes from. */
function Reasons({ title, reasons }: { title: string; reasons: Reason[] }) {
  return (
    <>
      <h3>{title}</h3>
      <ul class="reasons">
        {reasons.map((r) => (
          <li key={r.code}>
            {r.message} <Rule id={r.rule} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function Verdict({ pair }: { pair: Pair }) {
  const advice = (pair.advice as Reason[] | undefined) ?? [];
  const history = (pair.claim as { history?: EligibilitySpan[] }).history ?? [];
  return (
    <Section id="verdict" title="Verdict">
      <dl class="facts">
        <dt>Stage</dt>
        <dd>{label(pair.stage)}</dd>
        <dt>Eligibility</dt>
        <dd>{label(pair.claim.eligibility)}</dd>
        <dt>Claimable now</dt>
        <dd data-testid="claimable">
          <ClaimableBadge now={pair.claim.claimableNow} />
        </dd>
        <dt>Claim status</dt>
        <dd>
          {label(pair.claim.status)}
          {pair.claim.claimId ? ` (${pair.claim.claimId})` : ""}
        </dd>
      </dl>
      <Reasons title="Why" reasons={pair.claim.reasons} />
      {advice.length > 0 && <Reasons title="Advice" reasons={advice} />}
      {history.length > 1 && (
        <>
          <h3>Eligibility over time</h3>
          <ul class="reasons">
            {history.map((h) => (
              <li key={h.from}>{h.message}</li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

export function PairDeadlines({ windows }: { windows: Window[] }) {
  return (
    <Section id="windows" title="Deadlines">
      {windows.length === 0 ? (
        <p class="muted">No open window.</p>
      ) : (
        <ul>
          {windows.map((w) => (
            <li key={w.code}>
              {windowName(w.code)} on <time dateTime={w.closesOn}>{w.closesOn}</time> ({daysText(w.daysLeft)}){" "}
              <Rule id={w.rule} />
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
