// Every piece of data comes from the public API, with the partner's API key (kept for the browser
// session only). The board is served at /api/board/, so the API is one level up.
const KEY = "tracker.apiKey";
const base = new URL("../", location.href);

export const apiKey = () => sessionStorage.getItem(KEY);
export const setApiKey = (key: string | null) =>
  key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY);

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: { path: string; message: string; line?: number }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

export async function api<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const key = apiKey();
  if (key) headers.set("x-api-key", key);
  const response = await fetch(new URL(path, base), { ...init, headers });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Problem;
    throw new ApiError({ ...problem, status: response.status });
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? response.json() : response.text()) as Promise<T>;
}

export async function download(path: string): Promise<Blob> {
  const response = await fetch(new URL(path, base), { headers: { "x-api-key": apiKey() ?? "" } });
  if (!response.ok) throw new ApiError({ status: response.status, title: "Download failed" });
  return response.blob();
}

/** Hands a downloaded file to the browser to save, under `fileName`. */
export function save(blob: Blob, fileName: string) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  a.click();
  // Some browsers read the object URL after click() returns: let it live a while.
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export const query = (params: Record<string, string | number | boolean | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};

/** Every page of a list, handing each page on as it arrives. */
export async function allPages<T>(
  path: string,
  params: Record<string, string | number | boolean | undefined>,
  onPage?: (items: T[]) => void,
  signal?: { cancelled: boolean },
  firstLimit?: number,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  let firstLimitUsed = false;
  do {
    // A small first page puts rows on screen sooner; the rest come in full pages (a token belongs to
    // the filters, not to the page size).
    const limit = !firstLimitUsed && firstLimit ? firstLimit : params.limit;
    const page = await api<{ items: T[]; continuationToken?: string }>(
      path + query({ ...params, limit, continuationToken: token }),
    );
    firstLimitUsed = true;
    if (signal?.cancelled) return all;
    all.push(...page.items);
    onPage?.(page.items);
    token = page.continuationToken;
  } while (token);
  return all;
}

export const pairPath = (tenantId: string, workload: string) =>
  `pairs/${encodeURIComponent(tenantId)}/${encodeURIComponent(workload)}`;
