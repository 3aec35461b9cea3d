/** Charts (recharts, SVG only — nothing here needs eval or inline scripts). */
import {
  Area,
  AreaChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from "recharts";
import type { Granularity, SeriesPoint } from "./api";
import { bucketState, formatBucket, formatCount } from "./format";

export type ChartMetric = "pageviews" | "visitors";

type Row = {
  label: string;
  state: "past" | "current" | "future";
  pageviews: number | null;
  visitors: number | null;
  /** the incomplete bucket and the one before it, drawn dashed */
  partPageviews?: number | null;
  partVisitors?: number | null;
  /** the bucket's own numbers, for the tooltip (also of the incomplete bucket) */
  rawPageviews: number | null;
  rawVisitors: number | null;
  prevPageviews?: number;
  prevVisitors?: number;
};

const NAMES: Record<ChartMetric, string> = { pageviews: "Pageviews", visitors: "Visitors" };

function TooltipBox({
  active,
  payload,
  label,
  granularity,
  zone,
}: TooltipContentProps<number, string> & { granularity: Granularity; zone: string }) {
  if (!active || !payload || payload.length === 0) return null;
  const row = payload[0]?.payload as Row | undefined;
  if (!row || row.state === "future") return null;
  return (
    <div className="an-tooltip">
      <div className="an-tooltip-title">
        {formatBucket(String(label), granularity, true, zone)}
        {row.state === "current" && <span className="an-tooltip-partial"> · so far</span>}
      </div>
      <dl>
        <div>
          <dt>
            <span className="an-key an-key-pv" aria-hidden="true" /> Pageviews
          </dt>
          <dd>{formatCount(row.rawPageviews ?? 0)}</dd>
        </div>
        <div>
          <dt>
            <span className="an-key an-key-vis" aria-hidden="true" /> Visitors
          </dt>
          <dd>{formatCount(row.rawVisitors ?? 0)}</dd>
        </div>
        {row.prevPageviews !== undefined && (
          <div className="an-tooltip-prev">
            <dt>
              <span className="an-key an-key-prev" aria-hidden="true" /> Previous pageviews
            </dt>
            <dd>{formatCount(row.prevPageviews)}</dd>
          </div>
        )}
        {row.prevVisitors !== undefined && (
          <div className="an-tooltip-prev">
            <dt>
              <span className="an-key an-key-prev-vis" aria-hidden="true" /> Previous visitors
            </dt>
            <dd>{formatCount(row.prevVisitors)}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}

/** The rows of the chart: buckets still to come have no value (the lines stop at now), the
 * running bucket is drawn dashed from the last complete one. */
export function chartRows(series: SeriesPoint[], compare: SeriesPoint[] | null | undefined, granularity: Granularity, zone: string, now: Date): Row[] {
  const rows: Row[] = series.map((point, index) => {
    const prev = compare?.[index];
    const state = bucketState(point.date, granularity, zone, now);
    const shown = state === "past";
    return {
      label: point.date,
      state,
      pageviews: shown ? point.pageviews : null,
      visitors: shown ? point.visitors : null,
      rawPageviews: state === "future" ? null : point.pageviews,
      rawVisitors: state === "future" ? null : point.visitors,
      ...(prev ? { prevPageviews: prev.pageviews, prevVisitors: prev.visitors } : {}),
    };
  });
  const current = rows.findIndex((row) => row.state === "current");
  if (current >= 0) {
    for (const index of [current - 1, current]) {
      const row = rows[index];
      if (!row) continue;
      row.partPageviews = row.rawPageviews;
      row.partVisitors = row.rawVisitors;
    }
  }
  return rows;
}

/** One metric as the area on the left axis, the other as a line on an axis of its own on the
 * right (so visitors do not look flat beside pageviews), and the comparison dashed. */
export function TimeSeriesChart({
  series,
  compare,
  granularity,
  zone = "UTC",
  metric = "pageviews",
  height = 280,
  now = new Date(),
}: {
  series: SeriesPoint[];
  compare?: SeriesPoint[] | null;
  granularity: Granularity;
  zone?: string;
  metric?: ChartMetric;
  height?: number;
  now?: Date;
}) {
  const rows = chartRows(series, compare, granularity, zone, now);
  const other: ChartMetric = metric === "pageviews" ? "visitors" : "pageviews";
  const cap = (name: ChartMetric) => (name === "pageviews" ? "Pageviews" : "Visitors");
  const partial = rows.some((row) => row.state === "current");
  const total = series.reduce((sum, point) => sum + point[metric], 0);
  const unit = granularity === "hour" ? "hours" : granularity === "month" ? "months" : "days";
  const summary = `${formatCount(total)} ${metric} over ${series.length} ${unit}${partial ? ", the last one still running" : ""}`;
  const color = (name: ChartMetric) => (name === "pageviews" ? "var(--an-c1)" : "var(--an-c2)");
  return (
    <div
      className="an-chart"
      data-testid="timeseries-chart"
      data-points={series.length}
      data-metric={metric}
      data-partial={partial ? "true" : "false"}
      data-drawn={rows.filter((row) => row.state !== "future").length}
    >
      <ResponsiveContainer width="100%" height={height}>
        {/* the chart's own svg is named (recharts makes it role="application": the arrow keys
            move its tooltip), not a role="img" around it that would hide that from readers */}
        <ComposedChart
          data={rows}
          margin={{ top: 8, right: 0, bottom: 0, left: 0 }}
          title={`Traffic chart of ${metric}, the other metric on the right-hand scale`}
          desc={summary}
        >
          <defs>
            <linearGradient id="an-pv-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" className={metric === "pageviews" ? "an-grad-start" : "an-grad-start-2"} />
              <stop offset="100%" className="an-grad-end" />
            </linearGradient>
          </defs>
          <CartesianGrid vertical={false} stroke="var(--an-grid)" />
          <XAxis
            dataKey="label"
            tickFormatter={(value: string) => formatBucket(value, granularity, false, zone)}
            tickLine={false}
            axisLine={false}
            minTickGap={24}
            className="an-axis"
            tick={{ fontSize: 12 }}
          />
          <YAxis
            yAxisId="main"
            allowDecimals={false}
            tickFormatter={(value: number) => formatCount(value)}
            tickLine={false}
            axisLine={false}
            width={44}
            className="an-axis"
            tick={{ fontSize: 12, fill: color(metric) }}
          />
          <YAxis
            yAxisId="other"
            orientation="right"
            allowDecimals={false}
            tickFormatter={(value: number) => formatCount(value)}
            tickLine={false}
            axisLine={false}
            width={36}
            className="an-axis an-axis-other"
            tick={{ fontSize: 11, fill: color(other) }}
          />
          <Tooltip
            content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} granularity={granularity} zone={zone} />}
            cursor={{ className: "an-cursor" }}
            isAnimationActive={false}
          />
          {compare && (
            <Line
              yAxisId="main"
              type="monotone"
              dataKey={metric === "pageviews" ? "prevPageviews" : "prevVisitors"}
              name={`Previous ${metric}`}
              className="an-line-prev"
              stroke="var(--an-prev)"
              strokeDasharray="4 4"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
            />
          )}
          {compare && (
            <Line
              yAxisId="other"
              type="monotone"
              dataKey={other === "pageviews" ? "prevPageviews" : "prevVisitors"}
              name={`Previous ${other}`}
              stroke="var(--an-prev-2)"
              strokeDasharray="2 4"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
            />
          )}
          <Area
            yAxisId="main"
            type="monotone"
            dataKey={metric}
            name={NAMES[metric]}
            stroke={color(metric)}
            strokeWidth={2}
            fill="url(#an-pv-fill)"
            isAnimationActive={false}
            activeDot={{ r: 4 }}
            connectNulls={false}
          />
          <Line
            yAxisId="other"
            type="monotone"
            dataKey={other}
            name={cap(other)}
            stroke={color(other)}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            activeDot={{ r: 4 }}
            connectNulls={false}
          />
          {partial && (
            <Line
              yAxisId="main"
              type="monotone"
              dataKey={metric === "pageviews" ? "partPageviews" : "partVisitors"}
              name={`${cap(metric)} so far`}
              className="an-line-partial"
              stroke={color(metric)}
              strokeWidth={2}
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
              legendType="none"
            />
          )}
          {partial && (
            <Line
              yAxisId="other"
              type="monotone"
              dataKey={other === "pageviews" ? "partPageviews" : "partVisitors"}
              name={`${cap(other)} so far`}
              className="an-line-partial"
              stroke={color(other)}
              strokeWidth={2}
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
              legendType="none"
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A tiny pageviews trend for the websites list. */
export function Sparkline({ series, label }: { series: SeriesPoint[]; label: string }) {
  return (
    <div className="an-sparkline" data-testid="sparkline" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={44}>
        <AreaChart data={series} margin={{ top: 4, right: 0, bottom: 2, left: 0 }}>
          <defs>
            <linearGradient id="an-spark-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" className="an-grad-start" />
              <stop offset="100%" className="an-grad-end" />
            </linearGradient>
          </defs>
          <Area
            type="monotone"
            dataKey="pageviews"
            stroke="var(--an-c1)"
            strokeWidth={1.75}
            fill="url(#an-spark-fill)"
            isAnimationActive={false}
            dot={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
