/** The leaderboard per game mode, with each player's Glicko-2 rating. */
import { useEffect, useState } from "react";
import { Link } from "../../lib/router";
import { arena, errorText } from "./api";
import { MODES } from "./Lobby";
import type { GameMode, Leaderboard } from "./types";
import { Empty, Loading, Notice, Pager, formatDate, percent, useSession } from "./ui";

function initialMode(): GameMode {
  const wanted = new URLSearchParams(window.location.search).get("mode");
  return MODES.find((item) => item.value === wanted)?.value ?? "fastest";
}

export default function LeaderboardPage() {
  const { me } = useSession();
  const [mode, setMode] = useState<GameMode>(initialMode);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Leaderboard | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    let live = true;
    setData(null);
    setError("");
    window.history.replaceState(window.history.state, "", `/arena/leaderboard?mode=${mode}`);
    arena
      .leaderboard(mode, page)
      .then((answer) => live && setData(answer))
      .catch((caught) => live && setError(errorText(caught)));
    return () => {
      live = false;
    };
  }, [mode, page]);

  const updated = data && new Date(data.lastUpdated).getTime() > 0 ? formatDate(data.lastUpdated) : null;

  return (
    <section className="ar-page" data-testid="leaderboard" aria-labelledby="lb-title">
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Rankings</p>
          <h1 id="lb-title">Leaderboard</h1>
          <p className="ar-muted">Glicko-2 ratings per game mode, from rated games. Ratings are recalculated every hour.</p>
        </div>
      </header>
      <div className="ar-chips" role="group" aria-label="Game mode">
        {MODES.map((item) => (
          <button
            key={item.value}
            type="button"
            className="ar-chip"
            aria-pressed={mode === item.value}
            onClick={() => {
              setMode(item.value);
              setPage(1);
            }}
            data-testid={`mode-${item.value}`}
          >
            {item.label}
          </button>
        ))}
      </div>
      <section className="ar-card">
        {error ? (
          <Notice>Could not load the leaderboard: {error}</Notice>
        ) : !data ? (
          <Loading label="Loading the leaderboard…" />
        ) : data.entries.length === 0 ? (
          <Empty title="Nobody is ranked in this mode yet" testId="leaderboard-empty">
            Play a rated game: players appear here once the game is rated. <Link to="/arena/play">Play now</Link>
          </Empty>
        ) : (
          <div className="ar-table-wrap">
            <table className="ar-table" data-testid="leaderboard-table">
              <thead>
                <tr>
                  <th scope="col">Rank</th>
                  <th scope="col">Player</th>
                  <th scope="col" className="ar-num">
                    Rating
                  </th>
                  <th scope="col" className="ar-num">
                    Games
                  </th>
                  <th scope="col" className="ar-num">
                    Won
                  </th>
                  <th scope="col" className="ar-num">
                    Win rate
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((entry) => (
                  <tr key={entry.userId} className={entry.userId === me?.userId ? "ar-me-row" : undefined} data-testid="leaderboard-row">
                    <td className={`ar-rank ar-rank-${entry.rank}`}>{entry.rank}</td>
                    <td>
                      <Link to={`/arena/users/${encodeURIComponent(entry.username)}`}>{entry.username}</Link>
                    </td>
                    <td className="ar-num" title={`RD ${Math.round(entry.glicko.rd)}, volatility ${entry.glicko.volatility.toFixed(3)}`}>
                      <strong>{Math.round(entry.rating)}</strong> <span className="ar-muted ar-small">±{Math.round(entry.glicko.rd * 2)}</span>
                    </td>
                    <td className="ar-num">{entry.gamesPlayed}</td>
                    <td className="ar-num">{entry.gamesWon}</td>
                    <td className="ar-num">{percent(entry.winRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {updated && <p className="ar-muted ar-small">Last calculated {updated}.</p>}
      </section>
      {data && <Pager page={data.page} totalPages={data.totalPages} onPage={setPage} label="Leaderboard pages" />}
    </section>
  );
}
