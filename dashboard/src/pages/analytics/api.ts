/**
 * Typed client of the analytics API (docs: shared/specs/analytics-api.md, sections 7–9, 11).
 *
 * Every call is same-origin with the session cookie. Failures throw AnalyticsError whose
 * `message` is written for people: what went wrong and what to do about it. A 401 or a pending
 * forced password change also notifies `onAuthLost` listeners so the shell can show the login.
 */

export type AuthMode = "local" | "password" | "none";

export type AuthStatus = {
  mode: AuthMode;
  setup_required: boolean;
  authenticated: boolean;
  password_change_required: boolean;
};

export type Website = {
  id: string;
  tenant_id: string | null;
  name: string;
  domain: string;
  timezone: string;
  share_id?: string | null;
  tracking_snippet?: string;
  created_at: string;
  updated_at?: string;
};

export type Pagination = { total?: number; limit: number; offset?: number; cursor?: string | null; has_more: boolean };

export type Stats = {
  pageviews: number;
  visitors: number;
  sessions: number;
  bounce_rate: number;
  avg_duration_seconds: number;
  prev_pageviews: number;
  prev_visitors: number;
  prev_sessions: number;
  prev_bounce_rate: number;
  prev_avg_duration_seconds: number;
  timezone?: string;
};

export type SeriesPoint = { date: string; pageviews: number; visitors: number };
export type Granularity = "hour" | "day" | "month";

export type PageviewsData = {
  series: SeriesPoint[];
  granularity: Granularity;
  compare_series?: SeriesPoint[] | null;
};

export type CompareMeta = {
  mode: string;
  primary_range: [string, string];
  comparison_range: [string, string];
  /** while the range is running: the comparison's end, as far into it as this one has gone */
  comparison_until?: string;
} | null;

export type MetricType =
  | "page"
  | "referrer"
  | "country"
  | "region"
  | "city"
  | "browser"
  | "os"
  | "device"
  | "screen"
  | "event_name"
  | "language"
  | "utm_source"
  | "utm_medium"
  | "utm_campaign";

export type MetricRow = {
  value: string;
  visitors: number;
  pageviews: number;
  bounce_rate: number;
  avg_duration_seconds: number;
  prev_visitors?: number;
  prev_pageviews?: number;
  delta_visitors_abs?: number;
  delta_visitors_pct?: number;
};

export type MetricsData = { type: MetricType; rows: MetricRow[] };

export type RealtimeEvent = {
  event_type: string;
  url: string | null;
  referrer_domain: string | null;
  country: string | null;
  browser: string | null;
  device_type: string | null;
  ts: string;
  event_name?: string | null;
};

export type Realtime = {
  active_visitors: number;
  recent_events: RealtimeEvent[];
  pagination?: { limit: number; total_in_window: number };
};

export type EventRow = { event_name: string; count: number; visitors: number };

export type ApiKey = {
  id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

export type CreatedKey = { id: string; name: string; key: string; prefix: string; created_at: string };

export type ShareInfo = { share_id: string; share_url: string };

export type Overview = {
  stats: Stats;
  pageviews: { series: SeriesPoint[]; granularity: Granularity };
  metrics: Partial<Record<"page" | "referrer" | "browser" | "country" | "os" | "device", { rows: MetricRow[] }>>;
  /** ours: the shared website's name and domain (absent from a Sparklytics server) */
  website?: { name: string; domain: string };
};

/** Query parameters of the analytics routes (9.1); undefined and "" are left out. */
export type Query = Record<string, string | number | boolean | undefined | null>;

export class AnalyticsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.name = "AnalyticsError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

type AuthListener = (error: AnalyticsError) => void;
const authListeners = new Set<AuthListener>();

/** Called when a request finds the session gone (401) or a password change pending (403). */
export function onAuthLost(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

/** What the user should read for an error envelope: the server's words plus what to do. */
export function explain(status: number, code: string, message: string): string {
  const said = message.replace(/\.?$/, ".");
  switch (code) {
    case "unauthorized":
      return "You are signed out (the session ended or was replaced). Sign in again to continue.";
    case "setup_required":
      return "Analytics is not set up yet: create the admin password first.";
    case "password_change_required":
      return "Choose a new password before continuing: the one in use was the built-in default.";
    case "forbidden":
      return `${said} Sign in with the password in the browser to manage this.`;
    case "not_found":
      return `${said} It may have been deleted — go back to the list and reload.`;
    case "gone":
      return "Setup was already completed. Sign in with the admin password instead.";
    case "rate_limited":
      return `${said} Too many attempts: wait a few minutes (up to 15 after failed sign-ins) and try again.`;
    case "query_timeout":
      return "The query took too long. Pick a shorter date range or remove a filter, then retry.";
    case "method_not_allowed":
      return "This server uses a shared password from its configuration: change SPARKLYTICS_PASSWORD there.";
    case "internal_error":
      return "The server hit an unexpected error. Retry; if it keeps happening, check the server log.";
    case "validation_error":
    case "duplicate_name":
    case "limit_exceeded":
      return said;
    default:
      if (status === 404) return "This page of the API does not exist on the server — is the analytics part up to date?";
      if (status >= 500) return `The server answered ${status}. Retry in a moment; check the server log if it persists.`;
      return message ? said : `The server answered ${status}.`;
  }
}

function toSearch(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

type RequestOptions = { method?: string; json?: unknown; query?: Query; signal?: AbortSignal; quietAuth?: boolean };

/** The parsed JSON body (whole envelope) of a successful call; null for 204. */
async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(path + toSearch(options.query), {
      method: options.method ?? "GET",
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new AnalyticsError(0, "network", "Cannot reach the server. Check that it is running and your connection, then retry.");
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const envelope = (parsed as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
    const code = typeof envelope?.code === "string" ? envelope.code : "";
    const message = typeof envelope?.message === "string" ? envelope.message : response.statusText;
    const field = typeof envelope?.field === "string" ? envelope.field : null;
    // On the password forms a 401 means a wrong password, not a lost session.
    const text =
      options.quietAuth && response.status === 401
        ? `${message.replace(/\.?$/, ".")} Check the password and try again.`
        : explain(response.status, code, message);
    const error = new AnalyticsError(response.status, code, text, field);
    if (!options.quietAuth && (response.status === 401 || code === "password_change_required" || code === "setup_required")) {
      for (const listener of authListeners) listener(error);
    }
    throw error;
  }
  return parsed as T;
}

async function data<T>(path: string, options?: RequestOptions): Promise<T> {
  const envelope = await request<{ data: T }>(path, options);
  return envelope.data;
}

const site = (id: string) => `/api/websites/${encodeURIComponent(id)}`;

// ---- auth (7) ------------------------------------------------------------------------------

/** The auth status; mode "none" (the route is absent) when the server runs without auth. */
export async function authStatus(): Promise<AuthStatus> {
  try {
    return await request<AuthStatus>("/api/auth/status", { quietAuth: true });
  } catch (error) {
    if (error instanceof AnalyticsError && error.status === 404) {
      return { mode: "none", setup_required: false, authenticated: true, password_change_required: false };
    }
    throw error;
  }
}

export const setup = (bootstrap_password: string, password: string) =>
  data<{ ok: boolean }>("/api/auth/setup", { method: "POST", json: { bootstrap_password, password }, quietAuth: true });

export const login = (password: string) =>
  data<{ expires_at: string }>("/api/auth/login", { method: "POST", json: { password }, quietAuth: true });

export const logout = () => data<{ ok: boolean }>("/api/auth/logout", { method: "POST", quietAuth: true });

/** Ends every session on every device (the server rotates its signing secret), this one too. */
export const logoutEverywhere = () => data<{ ok: boolean }>("/api/auth/logout-all", { method: "POST", quietAuth: true });

export const changePassword = (current_password: string, new_password: string) =>
  data<{ ok: boolean }>("/api/auth/password", { method: "PUT", json: { current_password, new_password }, quietAuth: true });

export const listKeys = (limit = 20, offset = 0) =>
  request<{ data: ApiKey[]; pagination: Pagination }>("/api/auth/keys", { query: { limit, offset } });

export const createKey = (name: string) => data<CreatedKey>("/api/auth/keys", { method: "POST", json: { name } });

export const revokeKey = (id: string) => request<null>(`/api/auth/keys/${encodeURIComponent(id)}`, { method: "DELETE" });

// ---- websites (8) --------------------------------------------------------------------------

/** Every website (follows the cursor pages). */
export async function listWebsites(): Promise<Website[]> {
  const all: Website[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await request<{ data: Website[]; pagination: Pagination }>("/api/websites", {
      query: { limit: 100, cursor: cursor ?? undefined },
    });
    all.push(...result.data);
    cursor = result.pagination?.cursor;
    if (!result.pagination?.has_more || !cursor) break;
  }
  return all;
}

export const getWebsite = (id: string) => data<Website>(site(id));

export const createWebsite = (body: { name: string; domain: string; timezone?: string }) =>
  data<Website>("/api/websites", { method: "POST", json: body });

export const updateWebsite = (id: string, body: { name?: string; domain?: string; timezone?: string }) =>
  data<Website>(site(id), { method: "PUT", json: body });

export const deleteWebsite = (id: string) => request<null>(site(id), { method: "DELETE" });

// ---- queries (9) ---------------------------------------------------------------------------

export const getStats = (id: string, query: Query, signal?: AbortSignal) =>
  request<{ data: Stats; compare?: CompareMeta }>(`${site(id)}/stats`, { query, signal });

export const getPageviews = (id: string, query: Query, signal?: AbortSignal) =>
  request<{ data: PageviewsData; compare?: CompareMeta }>(`${site(id)}/pageviews`, { query, signal });

export const getMetrics = (id: string, type: MetricType, query: Query, signal?: AbortSignal) =>
  request<{ data: MetricsData; pagination: Pagination; compare?: CompareMeta }>(`${site(id)}/metrics`, {
    query: { ...query, type },
    signal,
  });

export const getRealtime = (id: string, signal?: AbortSignal, query?: Query) =>
  data<Realtime>(`${site(id)}/realtime`, { signal, query });

export const getEvents = (id: string, query: Query, signal?: AbortSignal) =>
  data<{ rows: EventRow[]; total: number }>(`${site(id)}/events`, { query, signal });

// ---- share (11.5) --------------------------------------------------------------------------

export const createShare = (id: string) => data<ShareInfo>(`${site(id)}/share`, { method: "POST" });

export const deleteShare = (id: string) => request<null>(`${site(id)}/share`, { method: "DELETE" });

const share = (shareId: string) => `/api/share/${encodeURIComponent(shareId)}`;

export const getShareOverview = (shareId: string, query: Query, signal?: AbortSignal) =>
  data<Overview>(`${share(shareId)}/overview`, { query, signal, quietAuth: true });

export const getShareMetrics = (shareId: string, type: MetricType, query: Query, signal?: AbortSignal) =>
  data<MetricsData>(`${share(shareId)}/metrics`, { query: { ...query, type }, signal, quietAuth: true });
