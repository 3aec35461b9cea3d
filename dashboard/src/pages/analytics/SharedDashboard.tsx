/** /share/:id — the public, read-only dashboard of a shared website (GET /api/share/<id>/overview). */
import { useEffect, useState } from "react";
import { useParams } from "../../lib/router";
import { AnalyticsError, getShareOverview, type MetricType, type Overview } from "./api";
import { TimeSeriesChart } from "./charts";
import { addDays, bucketState, formatDay, today } from "./format";
import { ThemeToggle, useApplyTheme, useTheme } from "./theme";
import { BreakdownCard, KpiCards, Notice, errorMessage, isAbort, useViewTitle, type Tab } from "./ui";
import "./analytics.css";

const SPANS = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
] as const;

type SharedType = "page" | "referrer" | "browser" | "country" | "os" | "device";

const GROUPS: { title: string; tabs: (Tab & { type: SharedType })[]; valueKey?: "pageviews" }[] = [
  { title: "Pages", tabs: [{ type: "page", label: "Pages", column: "Page" }], valueKey: "pageviews" },
  { title: "Sources", tabs: [{ type: "referrer", label: "Referrers", column: "Referrer" }] },
  { title: "Countries", tabs: [{ type: "country", label: "Countries", column: "Country" }] },
  {
    title: "Technology",
    tabs: [
      { type: "browser", label: "Browsers", column: "Browser" },
      { type: "os", label: "OS", column: "Operating system" },
      { type: "device", label: "Devices", column: "Device" },
    ],
  },
];

function SharedCard({ group, overview }: { group: (typeof GROUPS)[number]; overview: Overview | null }) {
  const [active, setActive] = useState<MetricType>(group.tabs[0]!.type);
  const rows = overview?.metrics[active as SharedType]?.rows;
  return <BreakdownCard title={group.title} tabs={group.tabs} active={active} onTab={setActive} rows={overview ? (rows ?? []) : undefined} loading={!overview} valueKey={group.valueKey} />;
}

export default function SharedDashboard() {
  const { id = "" } = useParams();
  const [theme, setTheme] = useTheme();
  useApplyTheme();
  const [days, setDays] = useState<number>(30);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState("");

  const end = today();
  const start = addDays(end, -(days - 1));
  const name = overview?.website?.name;
  useViewTitle(error ? "Shared dashboard unavailable" : name ? `${name} · Shared analytics` : "Shared analytics");

  // A public page: the appliance's own navigation and footer are not the visitor's business
  // (the shell draws them around every route; this hides them while the page is open).
  useEffect(() => {
    document.documentElement.classList.add("an-public");
    return () => document.documentElement.classList.remove("an-public");
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setError("");
    getShareOverview(id, { start_date: start, end_date: end }, controller.signal)
      .then(setOverview)
      .catch((caught: unknown) => {
        if (isAbort(caught)) return;
        setOverview(null);
        setError(
          caught instanceof AnalyticsError && caught.status === 404
            ? "This share link does not exist or was turned off by the website's owner."
            : errorMessage(caught),
        );
      });
    return () => controller.abort();
  }, [id, start, end]);

  if (error) {
    // nothing else to show: no KPIs or placeholders waiting for data that will not come
    return (
      <div className="an-root an-page an-shared-error" data-testid="shared-dashboard">
        <section className="an-card an-empty-state" aria-labelledby="shared-error-title">
          <p className="eyebrow">Shared dashboard</p>
          <h1 id="shared-error-title">This dashboard is not available</h1>
          <Notice testId="shared-error">{error}</Notice>
          <p className="an-muted">Ask the website's owner for a new link.</p>
        </section>
      </div>
    );
  }

  return (
    <div className="an-root an-page" data-testid="shared-dashboard">
      <div className="an-page-head an-page-head-row">
        <div>
          <p className="eyebrow">Shared dashboard · read-only</p>
          <h1 data-testid="shared-name">{overview ? (name ?? "Website analytics") : "…"}</h1>
          <p className="an-muted an-small">
            {overview?.website?.domain && <span className="an-mono">{overview.website.domain} · </span>}
            {formatDay(start)} – {formatDay(end)} (UTC)
          </p>
        </div>
        <div className="an-topbar-actions">
          <div className="an-segmented" role="group" aria-label="Period">
            {SPANS.map((span) => (
              <button
                key={span.days}
                type="button"
                aria-pressed={days === span.days}
                className="an-segment"
                onClick={() => setDays(span.days)}
                data-testid={`share-span-${span.days}`}
              >
                {span.label}
              </button>
            ))}
          </div>
          <ThemeToggle theme={theme} onChange={setTheme} />
        </div>
      </div>
      <KpiCards stats={overview?.stats ?? null} compareLabel={null} loading={!overview} />
      <section className="an-card an-chart-card" aria-labelledby="shared-chart-title">
        <header className="an-card-head">
          <h2 id="shared-chart-title">Traffic</h2>
          <ul className="an-legend" aria-label="Legend">
            <li>
              <span className="an-key an-key-pv" aria-hidden="true" /> Pageviews <span className="an-muted">(left scale)</span>
            </li>
            <li>
              <span className="an-key an-key-vis" aria-hidden="true" /> Visitors <span className="an-muted">(right scale)</span>
            </li>
            {overview && overview.pageviews.series.some((point) => bucketState(point.date, overview.pageviews.granularity, "UTC") === "current") && (
              <li>
                <span className="an-key an-key-partial" aria-hidden="true" /> Incomplete {overview.pageviews.granularity}
              </li>
            )}
          </ul>
        </header>
        {overview ? (
          <TimeSeriesChart series={overview.pageviews.series} granularity={overview.pageviews.granularity} />
        ) : (
          <div className="an-chart an-skeleton" aria-hidden="true" />
        )}
      </section>
      <div className="an-breakdowns">
        {GROUPS.map((group) => (
          <SharedCard key={group.title} group={group} overview={overview} />
        ))}
      </div>
    </div>
  );
}
