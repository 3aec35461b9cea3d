/** A player's Glicko-2 rating per game mode as bars around the starting rating (recharts, as the analytics pages). */
import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ModeRanking } from "./api-types";
import { capital, percent } from "./ui";

const START = 1500;

export default function RatingChart({ rankings }: { rankings: { [mode: string]: ModeRanking | undefined } }) {
  const rows = Object.entries(rankings)
    .filter((entry): entry is [string, ModeRanking] => entry[1] !== undefined)
    .map(([mode, entry]) => ({ mode: capital(mode), rating: Math.round(entry.rating), games: entry.gamesPlayed, winRate: entry.winRate }));
  if (rows.length === 0) return null;
  const ratings = rows.map((row) => row.rating);
  const low = Math.floor((Math.min(START, ...ratings) - 50) / 50) * 50;
  const high = Math.ceil((Math.max(START, ...ratings) + 50) / 50) * 50;
  const summary = rows.map((row) => `${row.mode} ${row.rating}`).join(", ");
  return (
    <figure className="ar-chart" data-testid="rating-chart">
      <div role="img" aria-label={`Rating per mode (start ${START}): ${summary}`}>
        <ResponsiveContainer width="100%" height={Math.max(120, 44 * rows.length + 40)}>
          <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
            <CartesianGrid horizontal={false} stroke="var(--border)" />
            <XAxis type="number" domain={[low, high]} tick={{ fill: "var(--muted)", fontSize: 12 }} stroke="var(--border-strong)" allowDecimals={false} />
            <YAxis type="category" dataKey="mode" width={92} tick={{ fill: "var(--text-2)", fontSize: 13 }} stroke="var(--border-strong)" />
            <ReferenceLine x={START} stroke="var(--muted)" strokeDasharray="4 3" label={{ value: "start", position: "top", fill: "var(--muted)", fontSize: 11 }} />
            <Tooltip
              cursor={{ fill: "var(--surface-2)" }}
              contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)" }}
              formatter={(value, _name, item) => [`${value} · ${item.payload.games} games · ${percent(item.payload.winRate)} won`, "Rating"]}
            />
            <Bar dataKey="rating" radius={[0, 6, 6, 0]} isAnimationActive={false} barSize={22}>
              {rows.map((row) => (
                <Cell key={row.mode} fill={row.rating >= START ? "var(--accent)" : "var(--muted)"} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="ar-muted ar-small">Glicko-2 rating per mode; the dashed line is the starting rating ({START}).</figcaption>
    </figure>
  );
}
