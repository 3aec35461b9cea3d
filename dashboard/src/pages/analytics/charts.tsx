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
import { formatBucket, formatCount } from "./format";

type Row = {
  label: string;
  pageviews: number;
  visitors: number;
  prevPageviews?: number;
  prevVisitors?: number;
};

function TooltipBox({ active, payload, label, granularity }: TooltipContentProps<number, string> & { granularity: Granularity }) {
  if (!active || !payload || payload.length === 0) return null;
  const row = payload[0]?.payload as Row | undefined;
  if (!row) return null;
  return (
    <div className="an-tooltip">
      <div className="an-tooltip-title">{formatBucket(String(label), granularity, true)}</div>
      <dl>
        <div>
          <dt>
            <span className="an-key an-key-pv" aria-hidden="true" /> Pageviews
          </dt>
          <dd>{formatCount(row.pageviews)}</dd>
        </div>
        <div>
          <dt>
            <span className="an-key an-key-vis" aria-hidden="true" /> Visitors
          </dt>
          <dd>{formatCount(row.visitors)}</dd>
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

/** Pageviews (area) and visitors (line), with the comparison series dashed when given. */
export function TimeSeriesChart({
  series,
  compare,
  granularity,
  height = 280,
}: {
  series: SeriesPoint[];
  compare?: SeriesPoint[] | null;
  granularity: Granularity;
  height?: number;
}) {
  const rows: Row[] = series.map((point, index) => {
    const prev = compare?.[index];
    return {
      label: point.date,
      pageviews: point.pageviews,
      visitors: point.visitors,
      ...(prev ? { prevPageviews: prev.pageviews, prevVisitors: prev.visitors } : {}),
    };
  });
  const total = series.reduce((sum, point) => sum + point.pageviews, 0);
  const summary = `${formatCount(total)} pageviews over ${series.length} ${granularity === "hour" ? "hours" : granularity === "month" ? "months" : "days"}`;
  return (
    <div className="an-chart" data-testid="timeseries-chart" data-points={series.length} role="img" aria-label={`Chart: ${summary}`}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <defs>
            <linearGradient id="an-pv-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" className="an-grad-start" />
              <stop offset="100%" className="an-grad-end" />
            </linearGradient>
          </defs>
          <CartesianGrid vertical={false} stroke="var(--an-grid)" />
          <XAxis
            dataKey="label"
            tickFormatter={(value: string) => formatBucket(value, granularity)}
            tickLine={false}
            axisLine={false}
            minTickGap={24}
            className="an-axis"
            tick={{ fontSize: 12 }}
          />
          <YAxis
            allowDecimals={false}
            tickFormatter={(value: number) => formatCount(value)}
            tickLine={false}
            axisLine={false}
            width={44}
            className="an-axis"
            tick={{ fontSize: 12 }}
          />
          <Tooltip
            content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} granularity={granularity} />}
            cursor={{ className: "an-cursor" }}
            isAnimationActive={false}
          />
          {compare && (
            <Line
              type="monotone"
              dataKey="prevPageviews"
              name="Previous pageviews"
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
              type="monotone"
              dataKey="prevVisitors"
              name="Previous visitors"
              stroke="var(--an-prev-2)"
              strokeDasharray="2 4"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
            />
          )}
          <Area
            type="monotone"
            dataKey="pageviews"
            name="Pageviews"
            stroke="var(--an-c1)"
            strokeWidth={2}
            fill="url(#an-pv-fill)"
            isAnimationActive={false}
            activeDot={{ r: 4 }}
          />
          <Line
            type="monotone"
            dataKey="visitors"
            name="Visitors"
            stroke="var(--an-c2)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            activeDot={{ r: 4 }}
          />
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
