/**
 * One website's dashboard: range + comparison picker, filter chips, KPI cards, the time series,
 * breakdowns (click or Enter on a row to filter by it) and the realtime panel (polled every 5 s
 * while the tab is visible). The whole state lives in the address bar, so links are shareable.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link } from "../../lib/router";
import {
  getEvents,
  getMetrics,
  getPageviews,
  getRealtime,
  getStats,
  getWebsite,
  type CompareMeta,
  type MetricRow,
  type MetricType,
  type PageviewsData,
  type Query,
  type Realtime,
  type Stats,
  type Website,
} from "./api";
import { TimeSeriesChart } from "./charts";
import {
  COMPARE_MODES,
  FILTERS,
  PRESETS,
  apiQuery,
  bucketState,
  countryName,
  describeRange,
  filterParamFor,
  formatCount,
  formatDay,
  inZone,
  productName,
  resolveRange,
  timeAgo,
  useDashboardState,
  viewerZone,
  zoneLabel,
  type CompareMode,
  type DashboardState,
  type Preset,
  type ZoneChoice,
} from "./format";
import type { ChartMetric } from "./charts";
import { MoreDialog } from "./MoreDialog";
import { Breadcrumb, BreakdownCard, CountryFlag, KpiCards, Notice, errorMessage, isAbort, pagePath, useViewTitle, type Tab } from "./ui";

// ---- toolbar -------------------------------------------------------------------------------

function RangePicker({ state, zone, onChange }: { state: DashboardState; zone: string; onChange: (next: DashboardState) => void }) {
  const id = useId();
  const [from, setFrom] = useState(state.range.start);
  const [to, setTo] = useState(state.range.end);
  const [custom, setCustom] = useState(state.range.preset === "custom");
  const [error, setError] = useState("");

  useEffect(() => {
    setFrom(state.range.start);
    setTo(state.range.end);
  }, [state.range.start, state.range.end]);

  function pick(preset: Preset) {
    if (preset === "custom") {
      setCustom(true);
      return;
    }
    setCustom(false);
    onChange({ ...state, range: resolveRange(preset, null, null, zone) });
  }

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!from || !to) return setError("Pick both dates.");
    if (from > to) return setError("The start date must be on or before the end date.");
    setError("");
    onChange({ ...state, range: resolveRange("custom", from, to, zone) });
  }

  return (
    <div className="an-range">
      <div className="an-field an-field-inline">
        <label htmlFor={`${id}-range`}>Date range</label>
        <select
          id={`${id}-range`}
          className="an-input an-select"
          value={custom ? "custom" : state.range.preset}
          onChange={(event) => pick(event.target.value as Preset)}
          data-testid="range-select"
        >
          {PRESETS.map((preset) => (
            <option key={preset.id} value={preset.id}>
              {preset.label}
            </option>
          ))}
        </select>
      </div>
      {custom && (
        <form className="an-custom-range" onSubmit={apply} noValidate>
          <div className="an-field an-field-inline">
            <label htmlFor={`${id}-from`}>From</label>
            <input id={`${id}-from`} type="date" className="an-input" value={from} max={to} onChange={(event) => setFrom(event.target.value)} data-testid="custom-start" />
          </div>
          <div className="an-field an-field-inline">
            <label htmlFor={`${id}-to`}>To</label>
            <input id={`${id}-to`} type="date" className="an-input" value={to} min={from} onChange={(event) => setTo(event.target.value)} data-testid="custom-end" />
          </div>
          <button type="submit" className="button an-button-s" data-testid="custom-apply">
            Apply
          </button>
          {error && <Notice>{error}</Notice>}
        </form>
      )}
    </div>
  );
}

function ComparePicker({ state, onChange }: { state: DashboardState; onChange: (next: DashboardState) => void }) {
  const id = useId();
  return (
    <div className="an-field an-field-inline">
      <label htmlFor={id}>Compare to</label>
      <select
        id={id}
        className="an-input an-select"
        value={state.compare}
        onChange={(event) => onChange({ ...state, compare: event.target.value as CompareMode })}
        data-testid="compare-select"
      >
        {COMPARE_MODES.map((mode) => (
          <option key={mode.id} value={mode.id}>
            {mode.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A filter's value as the dashboard shows it (a country's name, a page's path, "macOS"). */
function chipText(param: string, value: string): string {
  if (param === "filter_country") return countryName(value);
  if (param === "filter_page") return pagePath(value);
  if (param === "filter_os") return productName("os", value);
  if (param === "filter_browser") return productName("browser", value);
  if (param === "filter_device") return productName("device", value);
  return value;
}

function FilterChips({ state, fresh, onChange }: { state: DashboardState; fresh: string | null; onChange: (next: DashboardState) => void }) {
  if (state.filters.length === 0) return null;
  const remove = (param: string) => onChange({ ...state, filters: state.filters.filter((item) => item.param !== param) });
  return (
    <div className="an-chips" role="group" aria-label="Active filters" data-testid="filter-chips">
      {state.filters.map(({ param, value }) => {
        const label = FILTERS.find((item) => item.param === param)?.label ?? param;
        const shown = chipText(param, value);
        return (
          <button
            key={param}
            type="button"
            className={param === fresh ? "an-chip an-chip-fresh" : "an-chip"}
            onClick={() => remove(param)}
            aria-label={`Remove filter ${label}: ${value}`}
            data-testid="filter-chip"
            data-param={param}
            data-value={value}
          >
            <span className="an-chip-label">{label}</span>
            <span className="an-chip-value">{shown}</span>
            <span className="an-chip-x" aria-hidden="true">
              ×
            </span>
          </button>
        );
      })}
      {state.filters.length > 1 && (
        <button type="button" className="an-link-button" onClick={() => onChange({ ...state, filters: [] })} data-testid="filters-clear">
          Clear all
        </button>
      )}
    </div>
  );
}

/** The zone the numbers are in: the website's (default) or the viewer's. */
function ZonePicker({ state, siteZone, onChange }: { state: DashboardState; siteZone: string; onChange: (next: DashboardState) => void }) {
  const id = useId();
  const mine = viewerZone();
  return (
    <div className="an-field an-field-inline">
      <label htmlFor={id}>Time zone</label>
      <select
        id={id}
        className="an-input an-select"
        value={state.tz}
        onChange={(event) => onChange({ ...state, tz: event.target.value as ZoneChoice })}
        data-testid="zone-select"
      >
        <option value="site">Site: {zoneLabel(siteZone)}</option>
        <option value="viewer">Mine: {zoneLabel(mine)}</option>
      </select>
    </div>
  );
}

// ---- breakdowns ----------------------------------------------------------------------------

const GROUPS: { title: string; tabs: Tab[]; valueKey?: "visitors" | "pageviews" }[] = [
  { title: "Pages", tabs: [{ type: "page", label: "Pages", column: "Page" }], valueKey: "pageviews" },
  {
    title: "Sources",
    tabs: [
      { type: "referrer", label: "Referrers", column: "Referrer" },
      { type: "utm_source", label: "Source", column: "UTM source" },
      { type: "utm_medium", label: "Medium", column: "UTM medium" },
      { type: "utm_campaign", label: "Campaign", column: "UTM campaign" },
    ],
  },
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

function MetricCard({
  siteId,
  query,
  queryKey,
  group,
  onPick,
}: {
  siteId: string;
  query: Query;
  queryKey: string;
  group: (typeof GROUPS)[number];
  onPick: (type: MetricType, value: string) => void;
}) {
  const [active, setActive] = useState<MetricType>(group.tabs[0]!.type);
  const [rows, setRows] = useState<MetricRow[] | undefined>(undefined);
  const [more, setMore] = useState(false); // rows beyond the top 10
  const [open, setOpen] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const tab = group.tabs.find((item) => item.type === active) ?? group.tabs[0]!;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError("");
    getMetrics(siteId, active, { ...query, limit: 10 }, controller.signal)
      .then((result) => {
        setRows(result.data.rows);
        setMore(result.pagination.has_more);
        setLoading(false);
      })
      .catch((caught: unknown) => {
        if (isAbort(caught)) return;
        setRows(undefined);
        setError(errorMessage(caught));
        setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- queryKey stands for query
  }, [siteId, active, queryKey]);

  const pick = (type: MetricType, value: string) => (filterParamFor(type) ? onPick(type, value) : undefined);
  return (
    <>
      <BreakdownCard
        title={group.title}
        tabs={group.tabs}
        active={active}
        onTab={(type) => {
          setRows(undefined);
          setMore(false);
          setActive(type);
        }}
        rows={rows}
        loading={loading}
        error={error}
        valueKey={group.valueKey}
        onPick={pick}
        onMore={more ? () => setOpen(true) : undefined}
      />
      {open && (
        <MoreDialog
          siteId={siteId}
          type={active}
          title={group.tabs.length > 1 ? `${group.title}: ${tab.label}` : group.title}
          column={tab.column}
          query={query}
          queryKey={queryKey}
          valueKey={group.valueKey ?? "visitors"}
          onPick={pick}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}

/** Custom events from /events (falls back to the event_name breakdown of /metrics). */
function EventsCard({ siteId, query, queryKey, zone }: { siteId: string; query: Query; queryKey: string; zone: string }) {
  const [all, setAll] = useState<MetricRow[]>([]); // /events gives every name (up to 200)
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<MetricRow[] | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError("");
    getEvents(siteId, query, controller.signal)
      .then((result) =>
        result.rows.map((row) => ({
          value: row.event_name,
          pageviews: row.count,
          visitors: row.visitors,
          bounce_rate: 0,
          avg_duration_seconds: 0,
        })),
      )
      .catch(async (caught: unknown) => {
        if (isAbort(caught)) throw caught;
        const result = await getMetrics(siteId, "event_name", { ...query, limit: 10 }, controller.signal);
        return result.data.rows;
      })
      .then((list) => {
        setAll(list);
        setRows(list.slice(0, 10));
        setLoading(false);
      })
      .catch((caught: unknown) => {
        if (isAbort(caught)) return;
        setError(errorMessage(caught));
        setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- queryKey stands for query
  }, [siteId, queryKey]);

  // /events reads whole UTC days whatever the zone (as Sparklytics): the card says so
  const column = zone === "UTC" ? "Event" : "Event (UTC days)";
  return (
    <>
    <BreakdownCard
      title="Events"
      tabs={[{ type: "event_name", label: "Events", column }]}
      active="event_name"
      onTab={() => undefined}
      rows={rows}
      loading={loading}
      error={error}
      valueKey="pageviews"
      valueLabel="Count"
      onMore={all.length > 10 ? () => setOpen(true) : undefined}
    />
    {open && (
      <MoreDialog
        siteId={siteId}
        type="event_name"
        title="Events"
        column={column}
        query={query}
        queryKey={queryKey}
        valueKey="pageviews"
        valueLabel="Count"
        preloaded={all}
        onClose={() => setOpen(false)}
      />
    )}
    </>
  );
}

// ---- realtime ------------------------------------------------------------------------------

function RealtimePanel({ siteId }: { siteId: string }) {
  const [data, setData] = useState<Realtime | null>(null);
  const [error, setError] = useState("");
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let timer = 0;
    let controller: AbortController | null = null;
    let stopped = false;

    async function tick() {
      window.clearTimeout(timer);
      if (stopped || document.visibilityState !== "visible") return;
      controller = new AbortController();
      try {
        // custom events by their names ("signup"), not by the page they were sent from
        setData(await getRealtime(siteId, controller.signal, { include_event_names: "true" }));
        setError("");
      } catch (caught) {
        if (!isAbort(caught)) setError(errorMessage(caught));
      }
      setNow(Date.now());
      if (!stopped && document.visibilityState === "visible") timer = window.setTimeout(() => void tick(), 5000);
    }
    const onVisibility = () => {
      if (document.visibilityState === "visible") void tick();
      else window.clearTimeout(timer);
    };
    document.addEventListener("visibilitychange", onVisibility);
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      controller?.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [siteId]);

  const events = data?.recent_events.slice(0, 8) ?? [];
  return (
    <section className="an-card an-realtime" aria-labelledby="rt-title" data-testid="realtime-panel">
      <header className="an-card-head">
        <h2 id="rt-title">
          <span className="an-pulse" aria-hidden="true" /> Realtime
        </h2>
        <span className="an-muted an-small">last 30 min · updates every 5 s</span>
      </header>
      <p className="an-rt-number">
        <span data-testid="realtime-active" aria-live="polite">
          {data ? formatCount(data.active_visitors) : "—"}
        </span>{" "}
        <span className="an-muted">{data?.active_visitors === 1 ? "visitor online" : "visitors online"}</span>
      </p>
      {error && <Notice>{error}</Notice>}
      {events.length > 0 ? (
        <ol className="an-rt-events" aria-label="Recent events">
          {events.map((event, index) => (
            <li key={`${event.ts}-${index}`} className="an-rt-event" data-testid="realtime-event">
              <span className={`an-rt-kind an-rt-${event.event_type === "pageview" ? "pv" : "ev"}`}>
                {event.event_type === "pageview" ? "view" : "event"}
              </span>
              {event.event_type !== "pageview" && event.event_name ? (
                <span className="an-rt-url" title={`${event.event_name} on ${pagePath(event.url ?? "")}`} data-testid="realtime-event-name">
                  {event.event_name} <span className="an-muted an-small">on {pagePath(event.url ?? "")}</span>
                </span>
              ) : (
                <span className="an-rt-url" title={event.url ?? ""}>
                  {pagePath(event.url ?? "")}
                </span>
              )}
              <span className="an-rt-meta">
                {event.country ? (
                  <span title={countryName(event.country)}>
                    <CountryFlag code={event.country} />
                    <span className="an-visually-hidden">{countryName(event.country)}</span>{" "}
                  </span>
                ) : null}
                {timeAgo(event.ts, now)}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        data && <p className="an-muted an-small">No events in the last 30 minutes.</p>
      )}
    </section>
  );
}

// ---- page ----------------------------------------------------------------------------------

/** What the numbers are compared with; ``elapsed``: as far as the KPIs read it (like for like,
 * while the range runs), else the whole comparison range (the chart's dashed line). */
function compareLabel(meta: CompareMeta | undefined, mode: CompareMode, zone: string, elapsed = true): string | null {
  if (mode === "none") return "Previous period";
  if (meta?.comparison_range) {
    const [start, end] = meta.comparison_range;
    const days = start === end ? formatDay(start) : `${formatDay(start)} – ${formatDay(end)}`;
    if (!meta.comparison_until || !elapsed) return days;
    // like for like: the previous period up to the time elapsed in this one
    const until = new Date(meta.comparison_until);
    const time = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", timeZone: zone }).format(until);
    return `${days} until ${time}`;
  }
  return COMPARE_MODES.find((item) => item.id === mode)?.label ?? null;
}

export function SiteDashboard({ siteId }: { siteId: string }) {
  const [saved, setState] = useDashboardState();
  const [site, setSite] = useState<Website | null>(null);
  const [metric, setMetric] = useState<ChartMetric>("pageviews");
  // the numbers wait for the website's zone: "today" and every bucket are that zone's
  const zone = saved.tz === "viewer" ? viewerZone() : (site?.timezone ?? null);
  const state = inZone(saved, zone ?? "UTC");
  const [siteError, setSiteError] = useState("");
  const [fresh, setFresh] = useState<{ param: string | null; text: string } | null>(null);
  const stickyRef = useRef<HTMLDivElement>(null);
  useViewTitle(site ? `${site.name} · Analytics` : null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [meta, setMeta] = useState<CompareMeta | undefined>(undefined);
  const [series, setSeries] = useState<PageviewsData | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");

  const mainQuery = apiQuery(state, true, zone ?? "UTC");
  if (state.range.granularity) mainQuery.granularity = state.range.granularity;
  const breakdownQuery = apiQuery(state, false, zone ?? "UTC");
  const mainKey = JSON.stringify(mainQuery);
  const breakdownKey = JSON.stringify(breakdownQuery);

  useEffect(() => {
    let active = true;
    getWebsite(siteId)
      .then((value) => active && setSite(value))
      .catch((caught: unknown) => active && setSiteError(errorMessage(caught)));
    return () => {
      active = false;
    };
  }, [siteId]);

  useEffect(() => {
    if (!zone) return;
    const controller = new AbortController();
    setLoading(true);
    setError("");
    // a running range ("Today" at 10:40) is compared with the same elapsed time, not a whole period
    const statsQuery: Query = { ...mainQuery, compare_elapsed: "true" };
    delete statsQuery.granularity;
    Promise.all([getStats(siteId, statsQuery, controller.signal), getPageviews(siteId, mainQuery, controller.signal)])
      .then(([statsResult, seriesResult]) => {
        setStats(statsResult.data);
        setMeta(statsResult.compare);
        setSeries(seriesResult.data);
        setLoading(false);
      })
      .catch((caught: unknown) => {
        if (isAbort(caught)) return;
        setError(errorMessage(caught));
        setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- mainKey stands for mainQuery
  }, [siteId, mainKey, zone]);

  function addFilter(type: MetricType, value: string) {
    const param = filterParamFor(type);
    if (!param) return;
    const filters = [...state.filters.filter((item) => item.param !== param), { param, value }];
    setState({ ...state, filters });
    // feedback where the eye is not: the new chip flashes in the sticky bar, and is announced
    const label = FILTERS.find((item) => item.param === param)?.label ?? param;
    setFresh({ param, text: `Filtered by ${label}: ${param === "filter_country" ? countryName(value) : chipText(param, value)}` });
  }

  useEffect(() => {
    if (!fresh) return;
    const timer = window.setTimeout(() => setFresh((now) => (now === fresh ? { param: null, text: now.text } : now)), 1600);
    return () => window.clearTimeout(timer);
  }, [fresh]);

  // the bar sticks below the appliance's header, whatever height that has
  useEffect(() => {
    const bar = stickyRef.current;
    const header = document.querySelector<HTMLElement>(".site-header");
    if (!bar) return;
    const place = () => {
      const sticky = header && getComputedStyle(header).position === "sticky";
      bar.style.setProperty("--an-sticky-top", `${sticky ? header.offsetHeight : 0}px`);
    };
    place();
    if (!header || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(place);
    observer.observe(header);
    return () => observer.disconnect();
  }, []);

  const siteBase = `/analytics/sites/${encodeURIComponent(siteId)}`;
  const label = compareLabel(meta, state.compare, zone ?? "UTC");
  const seriesLabel = compareLabel(meta, state.compare, zone ?? "UTC", false);

  if (siteError) {
    return (
      <div className="an-page">
        <h1>Website</h1>
        <Notice>{siteError}</Notice>
        <p>
          <Link to="/analytics">Back to the websites</Link>
        </p>
      </div>
    );
  }

  return (
    <div className="an-page" data-testid="site-dashboard">
      <div className="an-page-head an-page-head-row">
        <div className="an-title-block">
          <Breadcrumb trail={[{ to: "/analytics", label: "Websites" }]} current={site?.name ?? "…"} />
          <h1 data-testid="site-name">{site?.name ?? "…"}</h1>
          <p className="an-muted an-mono">{site?.domain ?? ""}</p>
        </div>
        <nav className="an-subnav" aria-label="Website">
          <Link to={`${siteBase}/tracking`}>Tracking code</Link>
          <Link to={`${siteBase}/share`}>Share</Link>
          <Link to={`${siteBase}/settings`}>Settings</Link>
        </nav>
      </div>

      <div className="an-sticky" ref={stickyRef} data-testid="filter-bar">
      <div className="an-toolbar" data-testid="dashboard-toolbar">
        <RangePicker state={state} zone={zone ?? "UTC"} onChange={setState} />
        <ComparePicker state={state} onChange={setState} />
        {site && <ZonePicker state={state} siteZone={site.timezone} onChange={setState} />}
        <p className="an-range-note an-muted an-small" data-testid="range-label">
          {describeRange(state.range)}
          {zone && <> · <span data-testid="range-zone">{zoneLabel(zone)}</span></>}
          {state.compare !== "none" && label && <span className="an-compare-note" data-testid="compare-note"> · vs {label}</span>}
        </p>
      </div>
      <FilterChips state={state} fresh={fresh?.param ?? null} onChange={setState} />
      <p className="an-visually-hidden" role="status" data-testid="filter-status">
        {fresh?.text ?? ""}
      </p>
      </div>
      {error && <Notice testId="dashboard-error">{error}</Notice>}

      <KpiCards stats={stats} compareLabel={state.compare === "none" ? null : label} loading={loading} metric={metric} onMetric={setMetric} />

      <div className="an-main-grid">
        <section className="an-card an-chart-card" aria-labelledby="chart-title">
          <header className="an-card-head">
            <h2 id="chart-title">Traffic</h2>
            <ul className="an-legend" aria-label="Legend">
              <li>
                <span className="an-key an-key-pv" aria-hidden="true" /> Pageviews{" "}
                <span className="an-muted">({metric === "pageviews" ? "left" : "right"} scale)</span>
              </li>
              <li>
                <span className="an-key an-key-vis" aria-hidden="true" /> Visitors{" "}
                <span className="an-muted">({metric === "visitors" ? "left" : "right"} scale)</span>
              </li>
              {series && zone && series.series.some((point) => bucketState(point.date, series.granularity, zone) === "current") && (
                <li data-testid="legend-partial">
                  <span className="an-key an-key-partial" aria-hidden="true" /> Incomplete {series.granularity}
                </li>
              )}
              {series?.compare_series && (
                <li>
                  <span className="an-key an-key-prev" aria-hidden="true" /> {seriesLabel ?? "Previous"}
                </li>
              )}
            </ul>
          </header>
          {series ? (
            <TimeSeriesChart series={series.series} compare={series.compare_series} granularity={series.granularity} zone={zone ?? "UTC"} metric={metric} />
          ) : (
            <div className="an-chart an-skeleton" aria-hidden="true" />
          )}
        </section>
        <RealtimePanel siteId={siteId} />
      </div>

      <div className="an-breakdowns">
        {zone && GROUPS.map((group) => (
          <MetricCard key={group.title} siteId={siteId} query={breakdownQuery} queryKey={breakdownKey} group={group} onPick={addFilter} />
        ))}
        {zone && <EventsCard siteId={siteId} query={breakdownQuery} queryKey={breakdownKey} zone={zone} />}
      </div>
      <p className="an-muted an-small" data-testid="breakdown-note">
        A visitor counts once in every row they match (each page they viewed, each source they came from), so a
        card&apos;s rows can add up to more than the Visitors total.
      </p>
    </div>
  );
}
