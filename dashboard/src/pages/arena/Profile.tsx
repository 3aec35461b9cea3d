/** A player's page: who they are, their ratings per mode, their puzzles and recent submissions. */
import { useEffect, useState } from "react";
import { Link } from "../../lib/router";
import { arena, ArenaError, errorText } from "./api";
import type { ModeRanking } from "./api-types";
import ReportButton from "./Report";
import RatingChart from "./RatingChart";
import type { Puzzle, ResultInfo, UserDto } from "./types";
import { DifficultyBadge, Empty, Loading, Notice, VisibilityBadge, capital, formatDate, percent, relative, useSession } from "./ui";

type Activity = {
  user: UserDto;
  activity: {
    puzzles: Puzzle[];
    submissions: { _id: string; puzzle: string; programmingLanguage: { language: string } | string; result: ResultInfo; createdAt: string }[];
  };
};

type Rankings = { [mode: string]: ModeRanking | undefined };

export default function Profile({ name }: { name: string }) {
  const { me } = useSession();
  const [data, setData] = useState<Activity | null>(null);
  const [rankings, setRankings] = useState<Rankings | null>(null);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  /** The viewer's own puzzles, drafts included (the activity lists only approved ones). */
  const [mine, setMine] = useState<{ items: Puzzle[]; total: number } | null>(null);
  const ownName = me?.username;

  useEffect(() => {
    arena
      .userActivity(name)
      .then(async (answer) => {
        const activity = answer as unknown as Activity;
        setData(activity);
        arena
          .userRankings(activity.user._id)
          .then((found) => setRankings(found.rankings))
          .catch(() => setRankings({}));
        const known: Record<string, string> = {};
        for (const puzzle of activity.activity.puzzles) known[puzzle._id] = puzzle.title;
        const wanted = [...new Set(activity.activity.submissions.map((item) => item.puzzle))].filter((id) => !known[id]).slice(0, 12);
        await Promise.all(
          wanted.map((id) =>
            arena
              .puzzle(id)
              .then((puzzle) => {
                known[id] = puzzle.title;
              })
              .catch(() => undefined),
          ),
        );
        setTitles({ ...known });
      })
      .catch((caught) => setError(caught instanceof ArenaError && caught.status === 404 ? `There is no player called “${name}”.` : errorText(caught)));
  }, [name]);

  useEffect(() => {
    if (!ownName || ownName.toLowerCase() !== name.toLowerCase()) return setMine(null);
    arena
      .userPuzzles(ownName)
      .then((page) => setMine({ items: page.items, total: page.totalItems }))
      .catch(() => setMine(null));
  }, [ownName, name]);

  if (error) {
    return (
      <div className="ar-card" data-testid="profile-error">
        <h1>Player not found</h1>
        <Notice>{error}</Notice>
        <Link to="/arena/leaderboard">See the leaderboard</Link>
      </div>
    );
  }
  if (!data) return <Loading label="Loading the profile…" />;
  const { user, activity } = data;
  const solved = new Set(activity.submissions.filter((item) => item.result.result === "success").map((item) => item.puzzle)).size;
  const isMe = me?.userId === user._id;
  const written = isMe && mine ? mine.items : activity.puzzles;
  const writtenCount = isMe && mine ? mine.total : activity.puzzles.length;

  return (
    <section className="ar-page" data-testid="profile">
      <header className="ar-profile-head ar-card">
        <span className="ar-avatar ar-avatar-l" aria-hidden="true">
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        <div className="ar-grow">
          <h1 data-testid="profile-name">{user.username}</h1>
          <p className="ar-muted ar-small">
            {user.role !== "user" && <span className="ar-badge">{capital(user.role)}</span>} Joined {formatDate(user.createdAt)}
            {user.profile?.location ? ` · ${user.profile.location}` : ""}
          </p>
          {user.profile?.bio && <p>{user.profile.bio}</p>}
        </div>
        <dl className="ar-facts ar-profile-facts">
          <div>
            <dt>Solved</dt>
            <dd data-testid="profile-solved">{solved}</dd>
          </div>
          <div>
            <dt>Submissions</dt>
            <dd>{activity.submissions.length}</dd>
          </div>
          <div>
            <dt>Puzzles</dt>
            <dd>{writtenCount}</dd>
          </div>
        </dl>
        {!isMe && <ReportButton kind="user" target={user._id} />}
      </header>

      <div className="ar-split">
        <div className="ar-col">
          <section className="ar-card" aria-labelledby="ratings-title">
            <h2 id="ratings-title">Ratings</h2>
            {rankings === null ? (
              <Loading />
            ) : Object.keys(rankings).length === 0 ? (
              <p className="ar-muted">No rated game yet.</p>
            ) : (
              <>
              <RatingChart rankings={rankings} />
              <table className="ar-table" data-testid="profile-ratings">
                <thead>
                  <tr>
                    <th scope="col">Mode</th>
                    <th scope="col" className="ar-num">
                      Rating
                    </th>
                    <th scope="col" className="ar-num">
                      Rank
                    </th>
                    <th scope="col" className="ar-num">
                      Games
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(rankings).map(([mode, entry]) => entry && (
                    <tr key={mode} data-testid="profile-rating" data-mode={mode}>
                      <td>
                        <Link to={`/arena/leaderboard?mode=${mode}`}>{capital(mode)}</Link>
                      </td>
                      <td className="ar-num">{Math.round(entry.rating)}</td>
                      <td className="ar-num">{entry.rank ? `#${entry.rank}` : "—"}</td>
                      <td className="ar-num">
                        {entry.gamesPlayed} · {percent(entry.winRate)} won
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </>
            )}
          </section>
          <section className="ar-card" aria-labelledby="authored-title">
            <div className="ar-row ar-row-between">
              <h2 id="authored-title">Puzzles written</h2>
              {isMe && (
                <Link to="/arena/puzzles/new" className="button ar-btn-s">
                  + New puzzle
                </Link>
              )}
            </div>
            {isMe && writtenCount > written.length && (
              <p className="ar-muted ar-small">
                {written.length} of {writtenCount} shown.
              </p>
            )}
            {written.length === 0 ? (
              <p className="ar-muted">{isMe ? <Link to="/arena/puzzles/new">Write your first puzzle</Link> : "None yet."}</p>
            ) : (
              <ul className="ar-plain-list" data-testid="profile-puzzles">
                {written.map((puzzle) => (
                  <li key={puzzle._id}>
                    <Link to={isMe ? `/arena/puzzles/${puzzle._id}/edit` : `/arena/puzzles/${puzzle._id}`}>{puzzle.title}</Link> <DifficultyBadge difficulty={puzzle.difficulty} />{" "}
                    {puzzle.visibility !== "approved" && <VisibilityBadge visibility={puzzle.visibility} />}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
        <section className="ar-card" aria-labelledby="activity-title">
          <h2 id="activity-title">Recent submissions</h2>
          {activity.submissions.length === 0 ? (
            <Empty title="No submissions yet">
              <Link to="/arena">Pick a puzzle</Link>
            </Empty>
          ) : (
            <ul className="ar-plain-list" data-testid="profile-activity">
              {activity.submissions.slice(0, 30).map((item) => (
                <li key={item._id} className="ar-activity">
                  <span className={item.result.result === "success" ? "ar-pass" : "ar-fail"} aria-label={item.result.result === "success" ? "passed" : "failed"}>
                    {item.result.result === "success" ? "✓" : "✗"}
                  </span>
                  <Link to={`/arena/puzzles/${item.puzzle}`}>{titles[item.puzzle] ?? "A puzzle"}</Link>
                  <span className="ar-muted ar-small">
                    {percent(item.result.successRate)} · {typeof item.programmingLanguage === "string" ? "" : item.programmingLanguage.language} · {relative(item.createdAt)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </section>
  );
}
