// Small marks the views put beside their words: a badge, a rule id, a pair's link.
import type { ComponentChildren } from "preact";

export const Badge = ({ kind, children }: { kind: string; children: ComponentChildren }) => (
  <span class={`badge badge-${kind}`}>{children}</span>
);

/** Whether a pair can be claimed now, as a green "yes" or a red "no". */
export const ClaimableBadge = ({ now }: { now: boolean }) =>
  now ? <Badge kind="ok">yes</Badge> : <Badge kind="no">no</Badge>;

/** The RULES.md id a verdict, window or figure comes from. */
export const Rule = ({ id }: { id: string | null | undefined }) =>
  id ? <code class="rule">{id}</code> : null;

export const pairHref = (tenantId: string, workload: string) =>
  `#/pair/${encodeURIComponent(tenantId)}/${encodeURIComponent(workload)}`;
