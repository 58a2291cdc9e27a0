// The shapes the board reads (contract/STATE.md and API.md); only the fields it shows.
export interface Reason {
  code: string;
  rule: string | null;
  message: string;
}
export interface Window {
  code: string;
  closesOn: string;
  rule: string;
  daysLeft: number;
}
export interface CloudEvent {
  id: string;
  source: string;
  type: string;
  time: string;
  tenantid?: string;
  workload?: string;
  data: Record<string, unknown>;
  voided?: { source: string; id: string; reason: string; by: string; time: string };
}
export interface Pair {
  partnerId: string;
  tenantId: string;
  workload: string;
  asOf: string;
  stage: string;
  programYear: string;
  customerName: string | null;
  claim: {
    eligibility: string;
    status: string;
    claimableNow: boolean;
    reasons: Reason[];
    claimId?: string;
  };
  poe: {
    ready: boolean;
    missing: string[];
    recommended: string[];
    rules?: Record<string, string>;
    [more: string]: unknown;
  };
  windows: Window[];
  timeline?: CloudEvent[];
  [more: string]: unknown;
}
