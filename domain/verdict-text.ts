// Shared wording for the verdict, the POE summary and the advice: one source, plain words, no locale.

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `policy-customization` → `policy customization`. */
export function words(id: string): string {
  return id.replace(/-/g, " ");
}

export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A list of ids for a sentence: `a, b and c`, or `no workload` when empty. */
export function quoteList(items: readonly string[]): string {
  return items.length ? joinAnd(items) : "no workload";
}

/** Free text on one line (for lists). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function formatWord(format: string): string {
  if (format === "signed-sow") return "signed SOW";
  if (format === "poe-template") return "POE template";
  if (format === "email") return "acknowledgement email";
  return format;
}

export function signerWords(signer: {
  readonly name: string;
  readonly title?: string;
  readonly email?: string;
}): string {
  const extra = [signer.title, signer.email].filter((x): x is string => !!x && /\S/.test(x)).map(oneLine);
  return `${oneLine(signer.name)}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

export function segmentWord(segment: string): string {
  const names: Record<string, string> = {
    commercial: "commercial",
    education: "education",
    "government-gcc": "government (GCC)",
    "government-gcc-high": "government (GCC High)",
    "government-dod": "government (DoD)",
  };
  return names[segment] ?? segment;
}

export function offeringWord(offering: string): string {
  return offering === "managed-soc" ? "managed SOC" : offering;
}

export function adoptionKind(kind: string): string {
  if (kind === "fasttrack-guidance") return "FastTrack guidance";
  if (kind === "end-user-training") return "end-user training";
  if (kind === "guidance-session") return "guidance session";
  return words(kind);
}

// Words of the POE summary (domain/poe-summary.ts, domain/poe-appendix.ts).

/**
 * Free text inside a summary sentence: one line, and no sentence end of its own, so the summary's
 * sentence count stays what the summary writes (a terminator inside becomes `;`, a final one goes).
 */
export function inline(text: string): string {
  return oneLine(text)
    .replace(/[.!?]+$/, "")
    .replace(/[.!?]+(?=\s)/g, ";")
    .trim();
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function deliveryWord(delivery: string): string {
  if (delivery === "onsite") return "on-site";
  return delivery;
}

export function audienceWords(audience: string): string {
  if (audience === "admins") return "with the customer's admins";
  if (audience === "end-users") return "with end users";
  return "with admins and end users";
}

export function documentKind(kind: string): string {
  const names: Record<string, string> = {
    sow: "SOW",
    "poe-template": "POE template",
    roadmap: "roadmap",
    architecture: "architecture map",
    "meeting-notes": "meeting notes",
    acknowledgement: "acknowledgement",
  };
  return names[kind] ?? kind;
}
