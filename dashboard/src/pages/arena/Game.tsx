/** A live game over `game:<id>`: countdown, the puzzle and editor, live standings, chat, the final ranking. */
import { Fragment, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { Channel } from "phoenix";
import { Link } from "../../lib/router";
import { arena, errorText } from "./api";
import { pushAsync, useArenaChannel } from "./live";
import { Statement } from "./PuzzlePage";
import Solver from "./Solver";
import ReportButton from "./Report";
import type { ChatMessage, ChatSent, GameState, PlayerSubmitted, Standing } from "./api-types";
import type { Puzzle, Submission } from "./types";
import { Loading, Notice, SignInFirst, capital, percent, useSession } from "./ui";

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

/** A standing's time: seconds from the game's creation (countdown included). */
function seconds(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value < 60 ? `${value.toFixed(1)} s` : `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

export default function GamePage({ id }: { id: string }) {
  const { me, loading } = useSession();
  if (loading) return <Loading />;
  if (!me) return <SignInFirst what="play this game" />;
  return <GameLive id={id} />;
}

function Standings({ standings, meId, finished }: { standings: Standing[]; meId: string; finished: boolean }) {
  const [code, setCode] = useState<Record<string, string>>({});
  async function show(submissionId: string) {
    if (code[submissionId] !== undefined) return setCode(({ [submissionId]: _gone, ...rest }) => rest);
    try {
      const submission = await arena.submission(submissionId);
      setCode((current) => ({ ...current, [submissionId]: submission.code }));
    } catch (caught) {
      setCode((current) => ({ ...current, [submissionId]: `(${errorText(caught)})` }));
    }
  }
  if (standings.length === 0) return <p className="ar-muted" data-testid="standings-empty">No submission yet. The first accepted solution shows up here at once.</p>;
  return (
    <div className="ar-table-wrap">
      <table className="ar-table" data-testid="standings">
        <caption className="ar-sr">{finished ? "Final ranking" : "Live standings"}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Player</th>
            <th scope="col" className="ar-num">
              Tests
            </th>
            <th scope="col" className="ar-num">
              Time
            </th>
            <th scope="col" className="ar-num">
              Length
            </th>
            <th scope="col">
              <span className="ar-sr">Code</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {standings.map((row) => (
            <Fragment key={row.userId}>
              <tr className={row.userId === meId ? "ar-me-row" : undefined} data-testid="standing-row" data-username={row.username}>
                <td className={`ar-rank ar-rank-${row.rank}`} data-testid="standing-rank">
                  {row.rank === 1 && finished ? "🏆 1" : row.rank}
                </td>
                <td>
                  <Link to={`/arena/users/${encodeURIComponent(row.username)}`}>{row.username}</Link>
                </td>
                <td className="ar-num">{percent(row.successRate)}</td>
                <td className="ar-num">{seconds(row.timeSpent)}</td>
                <td className="ar-num">{row.codeLength}</td>
                <td>
                  <button type="button" className="ar-link ar-small" onClick={() => void show(row.submissionId)} aria-expanded={code[row.submissionId] !== undefined} aria-label={`${row.username}'s code`}>
                    Code
                  </button>
                </td>
              </tr>
              {code[row.submissionId] !== undefined && (
                <tr>
                  <td colSpan={6}>
                    <pre className="ar-pre">{code[row.submissionId]}</pre>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Chat({ channel, messages, canSend }: { channel: Channel | null; messages: ChatMessage[]; canSend: boolean }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [messages.length]);
  async function send(event: FormEvent) {
    event.preventDefault();
    const message = text.trim();
    if (!message || !channel) return;
    setError("");
    try {
      await pushAsync(channel, "chat:message", { message });
      setText("");
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  }
  return (
    <section className="ar-card ar-chat" aria-labelledby="chat-title" data-testid="chat">
      <h2 id="chat-title">Chat</h2>
      <ol className="ar-chat-list" ref={list} aria-live="polite" data-testid="chat-messages">
        {messages.length === 0 && <li className="ar-muted ar-small">Say hello — good luck to everyone.</li>}
        {messages.map((item) => (
          <li key={item._id} className="ar-chat-line" data-testid="chat-message">
            <strong>{item.username}</strong> <span className="ar-chat-text">{item.message}</span>
            <span className="ar-chat-report">
              <ReportButton kind="game_chat" target={item._id} />
            </span>
          </li>
        ))}
      </ol>
      {canSend && (
        <form className="ar-row" onSubmit={(event) => void send(event)}>
          <label htmlFor="chat-input" className="ar-sr">
            Message
          </label>
          <input id="chat-input" className="ar-input ar-grow" maxLength={160} value={text} onChange={(event) => setText(event.target.value)} placeholder="Message…" autoComplete="off" data-testid="chat-input" />
          <button type="submit" className="button ar-btn-s" data-testid="chat-send">
            Send
          </button>
        </form>
      )}
      <Notice>{error}</Notice>
    </section>
  );
}

function GameLive({ id }: { id: string }) {
  const { me } = useSession();
  const [game, setGame] = useState<GameState | null>(null);
  const [puzzle, setPuzzle] = useState<Puzzle | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [feed, setFeed] = useState<string[]>([]);
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState("");

  const { channel, status, error: joinError } = useArenaChannel(`game:${id}`, (ch: Channel) => {
    // game:update (api-types GameUpdate); its puzzle is read as the puzzle pages read one
    ch.on("game:update", (payload: { game: GameState; puzzle?: Puzzle | null }) => {
      setGame(payload.game);
      if (payload.puzzle) setPuzzle(payload.puzzle);
    });
    ch.on("chat:message", (payload: ChatSent) =>
      setMessages((current) => (current.some((item) => item._id === payload.chatMessage._id) ? current : [...current, payload.chatMessage])),
    );
    ch.on("player:submitted", (payload: PlayerSubmitted) => setFeed((current) => [`${payload.username} submitted`, ...current].slice(0, 5)));
  });

  const start = game ? new Date(game.startTime).getTime() : 0;
  const end = game ? new Date(game.endTime).getTime() : 0;
  const now = useNow(game !== null && game.status !== "finished");
  const finished = game?.status === "finished";
  const started = game !== null && (game.status === "in_progress" || finished || now >= start);
  const isPlayer = Boolean(game && me && game.players.some((player) => player._id === me.userId));
  const mine = useMemo(() => game?.playerSubmissions.some((item) => item.user._id === me?.userId) ?? false, [game, me]);

  async function onSubmitted(submission: Submission) {
    if (!channel) return;
    setError("");
    try {
      await pushAsync(channel, "game:submit", { submissionId: submission._id });
      setAccepted(true);
    } catch (caught) {
      setError(`${caught instanceof Error ? caught.message : String(caught)}${submission.result.result === "success" ? "" : " — fix your code and submit again."}`);
    }
  }

  if (status === "errored" && !game) {
    return (
      <div className="ar-card" data-testid="game-error">
        <h1>Cannot open this game</h1>
        <Notice>{joinError}</Notice>
        <Link to="/arena/play">Back to the lobby</Link>
      </div>
    );
  }
  if (!game) return <Loading label="Joining the game…" />;

  const standings = game.standings ?? [];
  const mode = game.options.mode ?? "fastest";
  return (
    <section className="ar-page" data-testid="game" data-status={finished ? "finished" : started ? "in_progress" : "waiting"}>
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">
            {capital(mode)} · {game.players.length} {game.players.length === 1 ? "player" : "players"}
            {game.options.rated === false ? " · unrated" : ""}
          </p>
          <h1>{puzzle && started ? puzzle.title : "Get ready"}</h1>
        </div>
        <div className={`ar-clock${!finished && started && end - now < 30_000 ? " ar-clock-low" : ""}`} role="timer" aria-live="off" data-testid="game-clock">
          {finished ? "Finished" : started ? `${clock(end - now)} left` : `Starts in ${clock(start - now)}`}
        </div>
      </header>
      {status === "errored" && <Notice kind="warn">{joinError}</Notice>}

      {finished && (
        <section className="ar-card ar-final" data-testid="game-finished" aria-labelledby="final-title">
          <h2 id="final-title">🏁 Game over</h2>
          {standings.length > 0 ? (
            <p>
              <strong data-testid="winner">{standings[0]!.username}</strong> wins
              {standings.length > 1 ? ` ahead of ${standings.slice(1, 3).map((row) => row.username).join(" and ")}` : ""}.
              {game.options.rated !== false && " Ratings update within the hour."}
            </p>
          ) : (
            <p>Nobody submitted a solution this time.</p>
          )}
          <div className="ar-row">
            <Link to="/arena/play" className="button primary" data-testid="back-to-lobby">
              Play again
            </Link>
            <Link to={`/arena/leaderboard?mode=${mode}`} className="button">
              Leaderboard
            </Link>
          </div>
        </section>
      )}

      {!started && (
        <div className="ar-card ar-countdown" data-testid="countdown">
          <p className="ar-muted">The puzzle appears when the countdown ends.</p>
          <p className="ar-countdown-n" aria-live="polite">
            {Math.max(0, Math.ceil((start - now) / 1000))}
          </p>
        </div>
      )}

      <div className="ar-split">
        <div className="ar-col">
          {started && puzzle ? (
            <Statement puzzle={puzzle} />
          ) : (
            <section className="ar-card" aria-labelledby="game-players-title">
              <h2 id="game-players-title">
                Players <span className="ar-count">{game.players.length}</span>
              </h2>
              <ul className="ar-players" data-testid="game-players">
                {game.players.map((player) => (
                  <li key={player._id}>
                    <span className="ar-avatar ar-avatar-s" aria-hidden="true">
                      {player.username.slice(0, 1).toUpperCase()}
                    </span>
                    {player.username}
                    {player._id === me?.userId && <span className="ar-muted ar-small">(you)</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
        <div className="ar-col">
          {started && puzzle && !finished && (
            <section className="ar-card" aria-labelledby="game-solve-title">
              <h2 id="game-solve-title">Your solution</h2>
              {!isPlayer ? (
                <div className="ar-row">
                  <p className="ar-muted">You are watching this game.</p>
                  <button type="button" className="button primary" onClick={() => channel && void pushAsync(channel, "game:join").catch((caught: Error) => setError(caught.message))}>
                    Join as a player
                  </button>
                </div>
              ) : accepted || mine ? (
                <Notice kind="ok" testId="game-submitted">
                  ✓ Your solution is in. Watch the standings; the ranking is final when the clock runs out.
                </Notice>
              ) : (
                <Solver puzzle={puzzle} scope={`game-${game._id}`} allowed={game.options.allowedLanguages} onSubmitted={onSubmitted} submitLabel="Submit to the game" />
              )}
              <Notice testId="game-error">{error}</Notice>
            </section>
          )}
          <section className="ar-card" aria-labelledby="standings-title">
            <div className="ar-row ar-row-between">
              <h2 id="standings-title">{finished ? "Final ranking" : "Live standings"}</h2>
              {feed[0] && !finished && (
                <span className="ar-muted ar-small" role="status">
                  {feed[0]}
                </span>
              )}
            </div>
            <Standings standings={standings} meId={me?.userId ?? ""} finished={finished} />
          </section>
          <Chat channel={channel} messages={messages} canSend={status === "joined"} />
        </div>
      </div>
    </section>
  );
}
