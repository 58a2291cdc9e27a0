// The proof of execution: the checklist of what blocks the claim and what is recommended, each with
// its rule and what to provide, and the summary the partner copies into Partner Center.
import { useState } from "preact/hooks";
import { Rule } from "../../components/marks.tsx";
import { Section } from "../../components/section.tsx";
import { label, POE_ADVICE } from "../../text.ts";
import type { Pair } from "../../types.ts";

interface PoeItem {
  code: string;
  rule: string;
  blocking: boolean;
  message: string;
}

/** The service's items; from an older answer without them, the missing and recommended codes. */
function itemsOf(poe: Pair["poe"]): PoeItem[] {
  if (poe.items) return poe.items as PoeItem[];
  const item = (code: string, blocking: boolean) => ({
    code,
    rule: poe.rules?.[code] ?? "",
    blocking,
    message: POE_ADVICE[code] ?? code,
  });
  return [...poe.missing.map((c) => item(c, true)), ...poe.recommended.map((c) => item(c, false))];
}

export function PoeChecklist({ poe }: { poe: Pair["poe"] }) {
  return (
    <Section id="poe" title="POE checklist">
      <p>
        {poe.ready
          ? "Nothing blocking: the proof of execution is complete."
          : `${poe.missing.length} item(s) block the claim.`}
      </p>
      <ul class="checklist" data-testid="poe-checklist">
        {itemsOf(poe).map((i) => (
          <li
            key={i.code}
            data-poe={i.code}
            data-blocking={String(i.blocking)}
            class={i.blocking ? "missing" : "recommended"}
          >
            <strong>
              {i.blocking ? "Missing" : "Recommended"}: {label(i.code)}
            </strong>{" "}
            <Rule id={i.rule} />
            <div>{i.message}</div>
            {POE_ADVICE[i.code] && i.message !== POE_ADVICE[i.code] && (
              <div class="muted">{POE_ADVICE[i.code]}</div>
            )}
          </li>
        ))}
      </ul>
    </Section>
  );
}

export function PoeSummary({ text }: { text: string }) {
  const [copied, setCopied] = useState("");
  return (
    <Section id="summary" title="POE summary">
      {text ? (
        <>
          <textarea class="summary-text" readOnly rows={12} aria-label="POE summary text" value={text} />
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(text);
                setCopied("Copied to the clipboard.");
              } catch {
                setCopied("Copying was refused by the browser: select the text and copy it.");
              }
            }}
          >
            Copy summary
          </button>
          <span role="status">{copied}</span>
        </>
      ) : (
        <p class="muted">No summary yet.</p>
      )}
    </Section>
  );
}
