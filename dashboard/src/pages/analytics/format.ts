/** Formatting, date ranges and the dashboard's URL state (range, comparison, filters). */
import { useCallback, useEffect, useState } from "react";
import type { Granularity, MetricType, Query } from "./api";

// ---- numbers -------------------------------------------------------------------------------

const integer = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return Math.abs(value) >= 10_000 ? compact.format(value) : integer.format(value);
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits).replace(/\.0$/, "")}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "0s";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s.toString().padStart(2, "0")}s`;
  return `${s}s`;
}

/** Relative change current vs previous as a fraction, or null when there is nothing to compare. */
export function delta(current: number, previous: number): number | null {
  if (!Number.isFinite(previous) || previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / previous;
}

// ---- countries -----------------------------------------------------------------------------

// The parser's (woothee's) names → the names the products go by; the value sent back as a
// filter stays the stored one.
const OS_NAMES: Record<string, string> = {
  "Mac OSX": "macOS",
  "Mac OS Classic": "Mac OS",
  iPhone: "iOS (iPhone)",
  iPod: "iOS (iPod)",
  iPad: "iPadOS",
  "Windows UNKNOWN Ver": "Windows",
  "Windows Phone OS": "Windows Phone",
};
const BROWSER_NAMES: Record<string, string> = { Webview: "WebView", Edge: "Microsoft Edge" };
const DEVICE_NAMES: Record<string, string> = { desktop: "Desktop", mobile: "Mobile", tablet: "Tablet" };

/** An OS, browser or device as its makers spell it ("Mac OSX" → "macOS", "mobile" → "Mobile"). */
export function productName(type: "os" | "browser" | "device", value: string): string {
  const names = type === "os" ? OS_NAMES : type === "browser" ? BROWSER_NAMES : DEVICE_NAMES;
  return names[value] ?? value;
}

let regionNames: Intl.DisplayNames | null = null;
export function countryName(code: string): string {
  try {
    regionNames ??= new Intl.DisplayNames(["en"], { type: "region" });
    return (/^[A-Za-z]{2}$/.test(code) && regionNames.of(code.toUpperCase())) || code;
  } catch {
    return code;
  }
}

// ---- dates (in the site's time zone, or the viewer's) ---------------------------------------
//
// The API answers a `timezone` query parameter: calendar days, hourly buckets and "today" are
// that zone's. The dashboard sends the website's zone (or, when chosen, the viewer's) and says
// which one every label is in. Day labels ("2026-03-01") are calendar dates and are formatted
// as such; hourly buckets are UTC instants and are shown in the zone.

export function viewerZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function isoDay(date: Date, zone = "UTC"): string {
  if (zone === "UTC") return date.toISOString().slice(0, 10);
  try {
    // en-CA writes YYYY-MM-DD
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Today's date in ``zone``. */
export function today(zone = "UTC", now = new Date()): string {
  return isoDay(now, zone);
}

/** A short name of a zone for labels: "UTC", "Europe/Berlin (CET)". */
export function zoneLabel(zone: string, at = new Date()): string {
  if (zone === "UTC" || zone === "Etc/UTC") return "UTC";
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" })
      .formatToParts(at)
      .find((item) => item.type === "timeZoneName")?.value;
    return part && part !== zone ? `${zone.replace(/_/g, " ")} (${part})` : zone.replace(/_/g, " ");
  } catch {
    return zone;
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export type Preset = "today" | "24h" | "7d" | "30d" | "90d" | "month" | "custom";

export const PRESETS: { id: Preset; label: string; short: string }[] = [
  { id: "today", label: "Today", short: "Today" },
  { id: "24h", label: "Last 24 hours", short: "24h" },
  { id: "7d", label: "Last 7 days", short: "7d" },
  { id: "30d", label: "Last 30 days", short: "30d" },
  { id: "90d", label: "Last 90 days", short: "90d" },
  { id: "month", label: "This month", short: "Month" },
  { id: "custom", label: "Custom range", short: "Custom" },
];

export type Range = { preset: Preset; start: string; end: string; granularity?: Granularity };

/** The dates of a preset in ``zone`` (custom keeps the given dates when valid). 24 h = yesterday
 * + today, hourly. */
export function resolveRange(preset: Preset, from?: string | null, to?: string | null, zone = "UTC"): Range {
  const end = today(zone);
  switch (preset) {
    case "today":
      return { preset, start: end, end, granularity: "hour" };
    case "24h":
      return { preset, start: addDays(end, -1), end, granularity: "hour" };
    case "30d":
      return { preset, start: addDays(end, -29), end };
    case "90d":
      return { preset, start: addDays(end, -89), end, granularity: "day" };
    case "month":
      return { preset, start: `${end.slice(0, 8)}01`, end };
    case "custom":
      if (from && to && DAY.test(from) && DAY.test(to) && from <= to) return { preset, start: from, end: to };
      return { preset: "7d", start: addDays(end, -6), end };
    default:
      return { preset: "7d", start: addDays(end, -6), end };
  }
}

/** The range's days, once: "Last 7 days · Dec 1 – Dec 7", "Today · Dec 7", "Dec 1 – Dec 9" (custom). */
export function describeRange(range: Range): string {
  const days = range.start === range.end ? formatDay(range.start) : `${formatDay(range.start)} – ${formatDay(range.end)}`;
  const found = PRESETS.find((item) => item.id === range.preset);
  if (range.preset !== "custom" && found) return `${found.label} · ${days}`;
  return days;
}

const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const monthLabel = new Intl.DateTimeFormat("en-US", { month: "short", year: "numeric", timeZone: "UTC" });

function hourFormat(zone: string, long: boolean): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = long
    ? { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: zone }
    : { hour: "numeric", timeZone: zone };
  try {
    return new Intl.DateTimeFormat("en-US", options);
  } catch {
    return new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
  }
}

export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : dayLabel.format(date);
}

/** A bucket label of /pageviews ("2026-03-01T10:00:00Z", "2026-03-01", "2026-03"), short or
 * long; hours in ``zone`` (the one the series was asked in). */
export function formatBucket(label: string, granularity: Granularity, long = false, zone = "UTC"): string {
  if (granularity === "hour") {
    const date = new Date(label);
    if (Number.isNaN(date.getTime())) return label;
    return long ? `${hourFormat(zone, true).format(date)} ${zoneLabel(zone, date)}` : hourFormat(zone, false).format(date);
  }
  if (granularity === "month") {
    const date = new Date(`${label}-01T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? label : monthLabel.format(date);
  }
  return formatDay(label);
}

/** The state of a bucket at ``now``: over, running (the incomplete one) or still to come. */
export function bucketState(label: string, granularity: Granularity, zone: string, now = new Date()): "past" | "current" | "future" {
  if (granularity === "hour") {
    const start = new Date(label).getTime();
    if (Number.isNaN(start)) return "past";
    const at = now.getTime();
    if (at < start) return "future";
    return at < start + 3_600_000 ? "current" : "past";
  }
  const day = today(zone, now);
  const current = granularity === "month" ? day.slice(0, 7) : day;
  const own = granularity === "month" ? label.slice(0, 7) : label.slice(0, 10);
  if (own === current) return "current";
  return own > current ? "future" : "past";
}

/** "2026-03-01 10:00:00.123" (UTC) → "3 min ago". */
export function timeAgo(ts: string, now = Date.now()): string {
  const date = new Date(`${ts.replace(" ", "T").replace(/Z?$/, "Z")}`);
  if (Number.isNaN(date.getTime())) return ts;
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

export function formatTimestamp(ts: string | null | undefined): string {
  if (!ts) return "—";
  const date = new Date(ts.includes("T") ? ts : `${ts.replace(" ", "T")}Z`);
  if (Number.isNaN(date.getTime())) return ts;
  return date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}

// ---- filters -------------------------------------------------------------------------------

/** The breakdowns that can become a filter, with the query parameter and a label. */
export const FILTERS: { param: string; type: MetricType; label: string }[] = [
  { param: "filter_page", type: "page", label: "Page" },
  { param: "filter_referrer", type: "referrer", label: "Referrer" },
  { param: "filter_country", type: "country", label: "Country" },
  { param: "filter_browser", type: "browser", label: "Browser" },
  { param: "filter_os", type: "os", label: "OS" },
  { param: "filter_device", type: "device", label: "Device" },
  { param: "filter_utm_source", type: "utm_source", label: "UTM source" },
  { param: "filter_utm_medium", type: "utm_medium", label: "UTM medium" },
  { param: "filter_utm_campaign", type: "utm_campaign", label: "UTM campaign" },
  { param: "filter_language", type: "language", label: "Language" },
  { param: "filter_region", type: "region", label: "Region" },
  { param: "filter_city", type: "city", label: "City" },
  { param: "filter_hostname", type: "page", label: "Hostname" },
];

export function filterParamFor(type: MetricType): string | null {
  return FILTERS.find((item) => item.type === type && item.param !== "filter_hostname")?.param ?? null;
}

export type CompareMode = "none" | "previous_period" | "previous_year";

export const COMPARE_MODES: { id: CompareMode; label: string }[] = [
  { id: "previous_period", label: "Previous period" },
  { id: "previous_year", label: "Previous year" },
  { id: "none", label: "No comparison" },
];

/** Everything the dashboard shows, as kept in the address bar (shareable links). */
export type ZoneChoice = "site" | "viewer";

export type DashboardState = {
  range: Range;
  compare: CompareMode;
  filters: { param: string; value: string }[];
  /** the website's time zone (default) or the viewer's */
  tz: ZoneChoice;
};

export function readState(search: string): DashboardState {
  const params = new URLSearchParams(search);
  const preset = (PRESETS.find((item) => item.id === params.get("range"))?.id ?? "7d") as Preset;
  const compareRaw = params.get("compare");
  const compare = (COMPARE_MODES.find((item) => item.id === compareRaw)?.id ?? "previous_period") as CompareMode;
  const filters: DashboardState["filters"] = [];
  for (const { param } of FILTERS) {
    const value = params.get(param);
    if (value) filters.push({ param, value });
  }
  const tz: ZoneChoice = params.get("tz") === "viewer" ? "viewer" : "site";
  return { range: resolveRange(preset, params.get("from"), params.get("to")), compare, filters, tz };
}

/** The state's range recomputed in ``zone`` ("Today" is the zone's today). */
export function inZone(state: DashboardState, zone: string): DashboardState {
  const range = resolveRange(state.range.preset, state.range.start, state.range.end, zone);
  return { ...state, range };
}

export function writeState(state: DashboardState): string {
  const params = new URLSearchParams();
  if (state.range.preset !== "7d") params.set("range", state.range.preset);
  if (state.range.preset === "custom") {
    params.set("from", state.range.start);
    params.set("to", state.range.end);
  }
  if (state.compare !== "previous_period") params.set("compare", state.compare);
  if (state.tz === "viewer") params.set("tz", "viewer");
  for (const { param, value } of state.filters) params.set(param, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The API query of a dashboard state (dates, filters and, optionally, the comparison). */
export function apiQuery(state: DashboardState, withCompare: boolean, zone = "UTC"): Query {
  const query: Query = { start_date: state.range.start, end_date: state.range.end, timezone: zone };
  if (withCompare && state.compare !== "none") query.compare_mode = state.compare;
  for (const { param, value } of state.filters) query[param] = value;
  return query;
}

/** The dashboard state, synchronised with the address bar (pushState; back/forward work). */
export function useDashboardState(): [DashboardState, (next: DashboardState) => void] {
  const [search, setSearch] = useState(() => window.location.search);
  useEffect(() => {
    const onPop = () => setSearch(window.location.search);
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const state = readState(search);
  const update = useCallback((next: DashboardState) => {
    const text = writeState(next);
    if (text !== window.location.search) {
      window.history.pushState(null, "", window.location.pathname + text);
    }
    setSearch(text);
  }, []);
  return [state, update];
}
