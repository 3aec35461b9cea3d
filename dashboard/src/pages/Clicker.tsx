/**
 * Click the Button: the big button, your score and rank, the live leaderboard and your name.
 *
 * Joins `clicker:lobby` with the player id kept in localStorage (or none: the join reply hands
 * one out and it is remembered). Clicks are `click` pushes; the server throttles them and says
 * how long to wait. The leaderboard comes from the `leaderboard` broadcast (at most 10/s).
 * The board names players by their public handle: the player id is the player's key, shown
 * only to its owner. Open two browsers to see each other's clicks.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Channel } from "phoenix";
import { CodeBlock } from "../components/CodeBlock";
import { ApiError, fetchJson } from "../lib/api";
import { getSocket, useSocketState, type SocketState } from "../lib/socket";
import "./Clicker.css";

const TOPIC = "clicker:lobby";
const PLAYER_KEY = "sparkhouse.clicker.player";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_MAX = 24;

type Entry = { handle: string; name: string | null; score: number };
type Player = { player_id: string; handle: string; name: string | null; score: number; rank: number | null };
type JoinReply = Player & { top: Entry[]; min_interval_ms: number; reset_after_seconds: number };
type ClickReply = { score: number; rank: number };
type ClickError = { reason?: string; retry_after_ms?: number; message?: string };
type Flash = { kind: "ok" | "wait" | "error"; text: string } | null;

function storedPlayerId(): string | null {
  try {
    const value = window.localStorage.getItem(PLAYER_KEY);
    return value && UUID.test(value) ? value.toLowerCase() : null;
  } catch {
    return null; // storage disabled: a new player per visit
  }
}

function storePlayerId(playerId: string | null): void {
  try {
    if (playerId) window.localStorage.setItem(PLAYER_KEY, playerId);
    else window.localStorage.removeItem(PLAYER_KEY);
  } catch {
    // storage disabled: nothing to remember
  }
}

/** Equal scores share a rank (1, 1, 3), as the server counts: 1 + players with a higher score.
 * Exact within the top list, since everyone above an entry is listed before it. */
function rankAt(top: Entry[], index: number): number {
  const score = top[index]?.score ?? 0;
  let above = 0;
  while (above < index && (top[above]?.score ?? 0) > score) above += 1;
  return above + 1;
}

function shortHandle(handle: string): string {
  return `Player ${handle.slice(0, 8)}`;
}

/** A name the server would refuse, said in words (models.parse_name has the same rules), or
 * null when it looks fine. An empty name is not checked here: it means "no name". */
function nameProblem(draft: string): string | null {
  const name = draft.normalize("NFC").trim();
  const length = [...name].length;
  if (length > NAME_MAX) {
    return `That name is ${length} characters long; names can be at most ${NAME_MAX} characters.`;
  }
  // Control, format (zero-width, bidi) and separator characters other than the space.
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u.test(name)) {
    return "Names can only use visible characters and plain spaces (no tabs, line breaks or invisible characters).";
  }
  return null;
}

/** The server's refusal, said to a person (its envelope is for programs: "name: must be…"). */
function humanError(error: unknown): string {
  if (error instanceof ApiError) {
    const body = error.body as { error?: { code?: string; message?: string; retry_after_ms?: number } } | null;
    const code = body?.error?.code;
    const message = body?.error?.message ?? error.message;
    if (code === "rate_limited") {
      const seconds = Math.max(1, Math.ceil((body?.error?.retry_after_ms ?? 1000) / 1000));
      return `You changed your name too often. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
    }
    if (code === "game_full") return "The game is full right now. Try again in a little while.";
    if (code === "invalid_name" || code === "invalid_body") {
      const reason = message.replace(/^name:\s*/, "");
      return `That name can't be used: it ${reason}.`.replace(/\.\.$/, ".");
    }
    if (error.status >= 500) return "The server could not save your name. Try again in a moment.";
    return message;
  }
  if (error instanceof TypeError) return "Could not reach the server. Check your connection and try again.";
  return error instanceof Error ? error.message : String(error);
}

const STATE_LABEL: Record<SocketState, string> = {
  connected: "Live",
  connecting: "Connecting…",
  disconnected: "Reconnecting…",
};

export default function Clicker() {
  const socketState = useSocketState();
  const playerIdRef = useRef<string | null>(storedPlayerId());
  const channelRef = useRef<Channel | null>(null);
  const [joined, setJoined] = useState(false);
  /** Joined once already: a lost channel is then an outage ("Reconnecting…"), not a first join. */
  const [wasJoined, setWasJoined] = useState(false);
  const [me, setMe] = useState<Player | null>(null);
  const [top, setTop] = useState<Entry[]>([]);
  const [rules, setRules] = useState({ min_interval_ms: 100, reset_after_seconds: 3600 });
  const [flash, setFlash] = useState<Flash>(null);
  const [pressed, setPressed] = useState(false);
  const [nameDraft, setNameDraft] = useState("");
  const [nameNotice, setNameNotice] = useState<Flash>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    // Params are read at every (re)join, so a refused id is dropped before the next attempt.
    const channel = getSocket().channel(TOPIC, () => (playerIdRef.current ? { player_id: playerIdRef.current } : {}));
    channelRef.current = channel;
    channel.on("leaderboard", (payload: { top: Entry[] }) => {
      setTop(payload.top);
      setMe((current) => {
        if (!current) return current;
        // On the board, the broadcast is fresher than our last click's answer.
        const index = payload.top.findIndex((entry) => entry.handle === current.handle);
        const entry = payload.top[index];
        return entry ? { ...current, score: entry.score, rank: rankAt(payload.top, index) } : current;
      });
    });
    channel.onError(() => setJoined(false));
    channel
      .join()
      .receive("ok", (reply: JoinReply) => {
        playerIdRef.current = reply.player_id;
        storePlayerId(reply.player_id);
        setMe({ player_id: reply.player_id, handle: reply.handle, name: reply.name, score: reply.score, rank: reply.rank });
        setNameDraft((draft) => draft || reply.name || "");
        setTop(reply.top);
        setRules({ min_interval_ms: reply.min_interval_ms, reset_after_seconds: reply.reset_after_seconds });
        setJoined(true);
        setWasJoined(true);
      })
      .receive("error", (reason: { reason?: string } | undefined) => {
        setJoined(false);
        if (reason?.reason === "invalid_player_id") {
          playerIdRef.current = null; // the client rejoins by itself, now as a new player
          storePlayerId(null);
        }
      });
    return () => {
      channel.leave();
      channelRef.current = null;
    };
  }, []);

  function click() {
    const channel = channelRef.current;
    if (!channel || !joined) return;
    setPressed(true);
    window.setTimeout(() => setPressed(false), 90);
    channel
      .push("click", {})
      .receive("ok", (reply: ClickReply) => {
        setMe((current) => (current ? { ...current, score: reply.score, rank: reply.rank } : current));
        setFlash({ kind: "ok", text: "+1" });
      })
      .receive("error", (reply: ClickError) => {
        if (reply.reason === "throttled") {
          setFlash({ kind: "wait", text: `Too fast — wait ${reply.retry_after_ms ?? rules.min_interval_ms} ms` });
        } else {
          setFlash({ kind: "error", text: reply.message ?? `Click refused: ${reply.reason ?? "unknown reason"}` });
        }
      })
      .receive("timeout", () => setFlash({ kind: "error", text: "No answer from the server" }));
  }

  async function putName(name: string | null) {
    if (!me) return;
    setSaving(true);
    try {
      // No name: DELETE takes it away, and the leaderboard shows the handle again.
      const saved = await fetchJson<Player>(`/api/clicker/players/${me.player_id}/name`, {
        method: name === null ? "DELETE" : "PUT",
        ...(name === null ? {} : { json: { name } }),
      });
      setMe((current) => (current ? { ...current, name: saved.name } : current));
      setNameDraft(saved.name ?? "");
      setNameNotice(
        saved.name === null
          ? { kind: "ok", text: `Name cleared: others see you as ${shortHandle(saved.handle)}.` }
          : { kind: "ok", text: "Saved." },
      );
    } catch (error) {
      setNameNotice({ kind: "error", text: humanError(error) });
    } finally {
      setSaving(false);
    }
  }

  function saveName(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!me) return;
    const name = nameDraft.trim();
    if (name === "") {
      if (me.name === null) {
        setNameNotice({ kind: "error", text: "Type a name to show on the leaderboard, 1 to 24 characters." });
      } else {
        void putName(null);
      }
      return;
    }
    const problem = nameProblem(name);
    if (problem) {
      setNameNotice({ kind: "error", text: problem });
      return;
    }
    void putName(name);
  }

  const origin = window.location.origin;
  const shownId = me?.player_id ?? "<your-player-id>";
  const curl = [
    `curl -X POST ${origin}/api/clicker/click \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"player_id": "${shownId}"}'`,
  ].join("\n");
  const js = [
    `const channel = socket.channel("${TOPIC}", { player_id });`,
    `channel.on("leaderboard", ({ top }) => render(top));`,
    `channel.join();`,
    `channel.push("click", {}).receive("ok", ({ score, rank }) => {})`,
    `  .receive("error", ({ retry_after_ms }) => {});`,
  ].join("\n");
  const inTop = me !== null && top.some((entry) => entry.handle === me.handle);
  const minutes = Math.round(rules.reset_after_seconds / 60);

  return (
    <div className="page clicker-page">
      <header className="page-head">
        <h1>Click the Button</h1>
        <p className="lede">
          Every counted click is a point. Clicks closer than {rules.min_interval_ms} ms apart don't count, and a score
          left alone for {minutes >= 1 ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${rules.reset_after_seconds} s`}{" "}
          starts again from zero.
        </p>
      </header>

      <div className="clicker-layout">
        <section className="panel clicker-play" aria-labelledby="play-title">
          <h2 id="play-title" className="visually-hidden">
            Play
          </h2>
          <button
            type="button"
            className={`big-button${pressed ? " big-button-pressed" : ""}`}
            onClick={click}
            disabled={!joined}
            data-testid="clicker-button"
          >
            {joined ? "Click!" : wasJoined ? "Reconnecting…" : "Joining…"}
          </button>
          <p className={`clicker-flash${flash ? ` flash-${flash.kind}` : ""}`} role="status" aria-live="polite" data-testid="clicker-flash">
            {flash?.text ?? "\u00a0"}
          </p>
          <dl className="stats clicker-stats">
            <div className="stat">
              <dt>Your score</dt>
              <dd className="stat-number" data-testid="my-score">
                {me ? me.score : "—"}
              </dd>
            </div>
            <div className="stat">
              <dt>Your rank</dt>
              <dd className="stat-number" data-testid="my-rank">
                {me?.rank ? `#${me.rank}` : "—"}
              </dd>
            </div>
            <div className="stat stat-wide">
              <dt>Connection</dt>
              <dd>
                <span className={`state state-${joined ? socketState : wasJoined ? "disconnected" : "connecting"}`}>
                  <span className="state-dot" aria-hidden="true" />
                  <span data-testid="socket-state" role="status">
                    {joined
                      ? STATE_LABEL[socketState]
                      : wasJoined
                        ? "Reconnecting… your score is kept on the server"
                        : "Joining the game…"}
                  </span>
                </span>
              </dd>
            </div>
          </dl>

          <form className="name-form" onSubmit={saveName}>
            <label htmlFor="clicker-name">Your name on the leaderboard</label>
            <div className="name-row">
              <input
                id="clicker-name"
                className="name-input"
                value={nameDraft}
                onChange={(event) => {
                  setNameDraft(event.target.value);
                  setNameNotice(null);
                }}
                placeholder={me ? `${shortHandle(me.handle)} (anonymous)` : "1–24 characters"}
                maxLength={NAME_MAX * 2}
                aria-describedby="clicker-name-help"
                autoComplete="nickname"
                data-testid="name-input"
              />
              <button type="submit" className="button" disabled={!me || saving} data-testid="name-save">
                Save
              </button>
              {me?.name != null && (
                <button
                  type="button"
                  className="button"
                  disabled={saving}
                  onClick={() => void putName(null)}
                  data-testid="name-clear"
                >
                  Clear name
                </button>
              )}
            </div>
            <p id="clicker-name-help" className="muted small name-help">
              1–24 characters. Clear it (or save it empty) to play anonymously again.
            </p>
            {nameNotice && (
              <p
                className={`notice ${nameNotice.kind === "ok" ? "ok" : "error"}`}
                data-testid="name-notice"
                role={nameNotice.kind === "ok" ? "status" : "alert"}
              >
                {nameNotice.text}
              </p>
            )}
          </form>
          {me && (
            <p className="muted small">
              Your player id (kept in this browser; it is your key, keep it to yourself):{" "}
              <code data-testid="player-id">{me.player_id}</code>. Others see you as{" "}
              <code data-testid="player-handle">{me.handle}</code>.
            </p>
          )}
        </section>

        <section className="panel clicker-board" aria-labelledby="board-title">
          <h2 id="board-title">Leaderboard</h2>
          {top.length === 0 ? (
            <p className="empty muted">Nobody has clicked lately. Be the first.</p>
          ) : (
            <ol className="leaderboard" data-testid="leaderboard">
              {top.map((entry, index) => {
                const mine = entry.handle === me?.handle;
                return (
                  <li
                    key={entry.handle}
                    className={`leaderboard-row${mine ? " leaderboard-me" : ""}`}
                    data-testid="leaderboard-row"
                    data-handle={entry.handle}
                  >
                    <span className="leaderboard-rank">{rankAt(top, index)}</span>
                    <span className="leaderboard-name">
                      {entry.name ?? <span className="muted">{shortHandle(entry.handle)}</span>}
                      {mine && <span className="badge">you</span>}
                    </span>
                    <span className="leaderboard-score">{entry.score.toLocaleString()}</span>
                  </li>
                );
              })}
            </ol>
          )}
          {me?.rank && !inTop && (
            <p className="muted small" data-testid="my-place">
              You are #{me.rank} with {me.score.toLocaleString()}.
            </p>
          )}
        </section>
      </div>

      <section className="section" aria-labelledby="api-title">
        <h2 id="api-title" className="section-title">
          Play from code
        </h2>
        <div className="snippets">
          <CodeBlock label="curl" code={curl} />
          <CodeBlock label="phoenix.js" code={js} />
        </div>
      </section>
    </div>
  );
}
