/** Building blocks shared by the analytics pages: fields, notices, KPI cards, breakdown tables. */
import { Fragment, useEffect, useId, useState, type KeyboardEvent, type ReactNode } from "react";
import { Link } from "../../lib/router";
import { AnalyticsError, type MetricRow, type MetricType, type Stats } from "./api";
import {
  countryName,
  delta,
  formatCount,
  formatDuration,
  formatPercent,
  productName,
} from "./format";
import { flagUrl } from "./flags";

export function errorMessage(error: unknown): string {
  if (error instanceof AnalyticsError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/**
 * The document's title for an analytics view ("Pages · Example shop · Analytics · Sparkhouse"):
 * the shell names the route ("Analytics · Sparkhouse") in an effect that runs after a child's on
 * the same commit, so the view's title is set again on the next frame.
 */
export function useViewTitle(title: string | null | undefined): void {
  useEffect(() => {
    if (!title) return;
    const text = `${title} · Sparkhouse`;
    document.title = text;
    const frame = window.requestAnimationFrame(() => {
      document.title = text;
    });
    return () => window.cancelAnimationFrame(frame);
  }, [title]);
}

/** Where a page sits: the links above it, then the page itself (no trailing separator). */
export function Breadcrumb({ trail, current }: { trail: { to: string; label: string }[]; current: string }) {
  return (
    <nav aria-label="Breadcrumb">
      <ol className="an-breadcrumb" data-testid="breadcrumb">
        {trail.map((item) => (
          <Fragment key={item.to}>
            <li>
              <Link to={item.to}>{item.label}</Link>
            </li>
            <li aria-hidden="true" className="an-breadcrumb-sep">
              /
            </li>
          </Fragment>
        ))}
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  );
}

export function Notice({ kind = "error", children, testId }: { kind?: "error" | "ok" | "info"; children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <p className={`an-notice an-notice-${kind}`} role={kind === "error" ? "alert" : "status"} data-testid={testId}>
      {children}
    </p>
  );
}

type FieldProps = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  hint?: ReactNode;
  autoComplete?: string;
  required?: boolean;
  minLength?: number;
  placeholder?: string;
  testId?: string;
  autoFocus?: boolean;
  invalid?: boolean;
};

/** A labelled input with an optional hint (linked with aria-describedby). */
export function Field({ label, value, onChange, type = "text", hint, testId, invalid, ...rest }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="an-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="an-input"
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? hintId : undefined}
        aria-invalid={invalid || undefined}
        data-testid={testId}
        {...rest}
      />
      {hint && (
        <small id={hintId} className="an-hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** Copy a text to the clipboard, with a short "Copied" state. */
export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return undefined;
    const timer = window.setTimeout(() => setState("idle"), 1800);
    return () => window.clearTimeout(timer);
  }, [state]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  }
  return (
    <button type="button" className="button an-button-s" onClick={() => void copy()} data-testid={testId}>
      <span aria-live="polite">{state === "copied" ? "Copied ✓" : state === "failed" ? "Select and copy" : label}</span>
    </button>
  );
}

// ---- KPI cards -----------------------------------------------------------------------------

type Kpi = {
  id: string;
  label: string;
  value: string;
  change: number | null;
  /** true when a rise is bad news (bounce rate). */
  inverse?: boolean;
  previous: string;
};

function kpis(stats: Stats): Kpi[] {
  return [
    {
      id: "pageviews",
      label: "Pageviews",
      value: formatCount(stats.pageviews),
      change: delta(stats.pageviews, stats.prev_pageviews),
      previous: formatCount(stats.prev_pageviews),
    },
    {
      id: "visitors",
      label: "Visitors",
      value: formatCount(stats.visitors),
      change: delta(stats.visitors, stats.prev_visitors),
      previous: formatCount(stats.prev_visitors),
    },
    {
      id: "sessions",
      label: "Sessions",
      value: formatCount(stats.sessions),
      change: delta(stats.sessions, stats.prev_sessions),
      previous: formatCount(stats.prev_sessions),
    },
    {
      id: "bounce-rate",
      label: "Bounce rate",
      value: formatPercent(stats.bounce_rate),
      change: delta(stats.bounce_rate, stats.prev_bounce_rate),
      inverse: true,
      previous: formatPercent(stats.prev_bounce_rate),
    },
    {
      id: "avg-duration",
      label: "Avg. visit",
      value: formatDuration(stats.avg_duration_seconds),
      change: delta(stats.avg_duration_seconds, stats.prev_avg_duration_seconds),
      previous: formatDuration(stats.prev_avg_duration_seconds),
    },
  ];
}

function Delta({ change, inverse, previous, compareLabel }: { change: number | null; inverse?: boolean; previous: string; compareLabel: string }) {
  if (change === null) {
    return (
      <span className="an-delta an-delta-flat" title={`${compareLabel}: ${previous}`}>
        new
      </span>
    );
  }
  const rounded = Math.round(change * 1000) / 10;
  const direction = rounded > 0 ? "up" : rounded < 0 ? "down" : "flat";
  const good = direction === "flat" ? "flat" : (direction === "up") !== Boolean(inverse) ? "good" : "bad";
  const arrow = direction === "up" ? "▲" : direction === "down" ? "▼" : "■";
  return (
    <span
      className={`an-delta an-delta-${good}`}
      title={`${compareLabel}: ${previous}`}
      aria-label={`${direction === "flat" ? "unchanged" : `${direction} ${Math.abs(rounded)}%`} vs ${compareLabel.toLowerCase()} (${previous})`}
    >
      <span aria-hidden="true">{arrow}</span> {Math.abs(rounded).toLocaleString("en-US")}%
    </span>
  );
}

const CHARTED = new Set(["pageviews", "visitors"]);

/** The KPI cards; with ``onMetric`` the Pageviews and Visitors cards choose the chart's metric. */
export function KpiCards({
  stats,
  compareLabel,
  loading,
  metric,
  onMetric,
}: {
  stats: Stats | null;
  compareLabel: string | null;
  loading?: boolean;
  metric?: "pageviews" | "visitors";
  onMetric?: (metric: "pageviews" | "visitors") => void;
}) {
  const items: Kpi[] = stats
    ? kpis(stats)
    : ["Pageviews", "Visitors", "Sessions", "Bounce rate", "Avg. visit"].map((label) => ({
        id: label.toLowerCase().replace(/[ .]+/g, "-").replace(/-$/, "").replace("avg-visit", "avg-duration"),
        label,
        value: "—",
        change: null,
        previous: "",
      }));
  return (
    <dl className={`an-kpis${loading ? " an-loading" : ""}`} aria-busy={loading || undefined}>
      {items.map((kpi) => {
        const charted = Boolean(onMetric) && CHARTED.has(kpi.id);
        const pick = () => onMetric?.(kpi.id as "pageviews" | "visitors");
        return (
        <div
          className={`an-kpi${charted ? " an-kpi-pick" : ""}${charted && metric === kpi.id ? " an-kpi-active" : ""}`}
          key={kpi.id}
          data-testid={`kpi-${kpi.id}-card`}
          onClick={charted ? pick : undefined}
        >
          <dt>
            {charted ? (
              <button
                type="button"
                className="an-kpi-button"
                aria-pressed={metric === kpi.id}
                title={`Show ${kpi.label.toLowerCase()} in the chart`}
                onClick={(event) => {
                  event.stopPropagation();
                  pick();
                }}
                data-testid={`kpi-${kpi.id}-pick`}
              >
                {kpi.label}
              </button>
            ) : (
              kpi.label
            )}
          </dt>
          <dd>
            <span className="an-kpi-value" data-testid={`kpi-${kpi.id}`}>
              {kpi.value}
            </span>
            {stats && compareLabel && <Delta change={kpi.change} inverse={kpi.inverse} previous={kpi.previous} compareLabel={compareLabel} />}
          </dd>
        </div>
        );
      })}
    </dl>
  );
}

// ---- breakdown tables ----------------------------------------------------------------------

/** "https://example.com/pricing?x=1" → "/pricing?x=1" (relative URLs stay as they are). */
export function pagePath(url: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}${parsed.hash}` || "/";
  } catch {
    return url;
  }
}

/** A country's flag (an image from flags.ts), or its code in a small badge for a code without
 * one (an unknown or made-up country). Decorative: the country's name follows it. */
export function CountryFlag({ code }: { code: string }) {
  const url = flagUrl(code);
  if (url) {
    return <img className="an-flag an-flag-img" src={url} alt="" width={18} height={12} loading="lazy" data-testid="flag-img" />;
  }
  return (
    <span className="an-flag an-flag-code" aria-hidden="true" data-testid="flag-code">
      {code.toUpperCase()}
    </span>
  );
}

export function displayValue(type: MetricType, value: string): ReactNode {
  if (type === "country") {
    return (
      <>
        <CountryFlag code={value} />{" "}
        {countryName(value)}
      </>
    );
  }
  if (type === "page") return pagePath(value);
  if (type === "referrer" && value === "(direct)") return <span className="an-muted">Direct / none</span>;
  if (type === "os" || type === "browser" || type === "device") return productName(type, value);
  return value;
}

export type Tab = { type: MetricType; label: string; column: string };

/**
 * A card of breakdown tabs (e.g. Browsers | OS | Devices). Rows with an `onPick` are buttons for
 * the keyboard and the mouse: they add the value as a filter.
 */
export function BreakdownCard({
  title,
  tabs,
  rows,
  active,
  onTab,
  onPick,
  loading,
  error,
  valueKey = "visitors",
  valueLabel,
  onMore,
}: {
  title: string;
  tabs: Tab[];
  active: MetricType;
  rows: MetricRow[] | undefined;
  onTab: (type: MetricType) => void;
  onPick?: (type: MetricType, value: string) => void;
  loading?: boolean;
  error?: string;
  valueKey?: "visitors" | "pageviews";
  /** The number column's heading (default: Views or Visitors). */
  valueLabel?: string;
  /** Given when the card shows only the top rows: opens the full list. */
  onMore?: () => void;
}) {
  const tab = tabs.find((item) => item.type === active) ?? tabs[0]!;
  const list = rows ?? [];
  const max = Math.max(1, ...list.map((row) => row[valueKey]));
  const titleId = useId();
  const pickable = (row: MetricRow) => Boolean(onPick) && !(tab.type === "referrer" && row.value === "(direct)");

  function onKey(event: KeyboardEvent<HTMLTableRowElement>, row: MetricRow) {
    if ((event.key === "Enter" || event.key === " ") && pickable(row)) {
      event.preventDefault();
      onPick?.(tab.type, row.value);
    }
  }

  return (
    <section className="an-card an-breakdown" aria-labelledby={titleId} data-testid={`breakdown-${title.toLowerCase()}`}>
      <header className="an-card-head">
        <h2 id={titleId}>{title}</h2>
        {tabs.length > 1 && (
          <div className="an-tabs" role="group" aria-label={`${title}: show`}>
            {tabs.map((item) => (
              <button
                key={item.type}
                type="button"
                aria-pressed={item.type === tab.type}
                className="an-tab"
                onClick={() => onTab(item.type)}
                data-testid={`breakdown-tab-${item.type}`}
              >
                {item.label}
              </button>
            ))}
          </div>
        )}
      </header>
      {error ? (
        <Notice>{error}</Notice>
      ) : list.length === 0 ? (
        <p className="an-empty">{loading ? "Loading…" : "No data for this range."}</p>
      ) : (
        <table className="an-table" data-testid="breakdown-table" data-type={tab.type} aria-busy={loading || undefined}>
          <thead>
            <tr>
              <th scope="col">{tab.column}</th>
              <th scope="col" className="an-num">
                {valueLabel ?? (valueKey === "pageviews" ? "Views" : "Visitors")}
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((row) => {
              const canPick = pickable(row);
              const share = (row[valueKey] / max) * 100;
              return (
                <tr
                  key={row.value}
                  data-testid="breakdown-row"
                  data-type={tab.type}
                  data-value={row.value}
                  className={canPick ? "an-row an-row-pick" : "an-row"}
                  tabIndex={canPick ? 0 : undefined}
                  aria-label={canPick ? `${row.value}: ${row[valueKey]} — press Enter to filter by it` : undefined}
                  onClick={canPick ? () => onPick?.(tab.type, row.value) : undefined}
                  onKeyDown={(event) => onKey(event, row)}
                >
                  <td className="an-bar-cell">
                    <span className="an-bar" style={{ width: `${share.toFixed(1)}%` }} aria-hidden="true" />
                    <span className="an-bar-label" title={row.value}>
                      {displayValue(tab.type, row.value)}
                    </span>
                  </td>
                  <td className="an-num">{formatCount(row[valueKey])}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {onMore && !error && list.length > 0 && (
        <footer className="an-card-foot">
          <button type="button" className="an-link-button" onClick={onMore} data-testid={`more-${tab.type}`}>
            More {tab.label.toLowerCase()} <span aria-hidden="true">→</span>
          </button>
        </footer>
      )}
    </section>
  );
}
