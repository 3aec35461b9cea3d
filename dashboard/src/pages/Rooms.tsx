/**
 * Rooms inspector: pick a room, watch its live state and version (the browser's EventSource on
 * /api/rooms/<id>/stream), edit the JSON and PUT it. Open two tabs on the same room to watch
 * them sync; `?room=<id>` in the address makes the link shareable.
 */
import { useEffect, useState, type FormEvent } from "react";
import { CodeBlock } from "../components/CodeBlock";
import { ApiError, fetchJson } from "../lib/api";
import "./Rooms.css";

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RECENT_KEY = "sparkhouse.rooms.recent";
const MAX_RECENT = 8;
const EXAMPLE_STATE = { board: ["", "", "", "", "", "", "", "", ""], turn: "x" };

type RoomRecord = {
  room_id: string;
  version: number;
  updated_at: string | null;
  state: unknown;
};

type StreamState = "connecting" | "live" | "reconnecting" | "closed";

type Notice = { kind: "ok" | "error"; text: string } | null;

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: "Connecting to the room's stream…",
  live: "Live — every write to this room shows here at once",
  reconnecting: "Stream interrupted — the browser reconnects by itself",
  closed: "The server refused the stream (too many open streams on this room?)",
};

/** One id per tab, sent as `client_id` so writes can be told apart in your own tooling. */
const TAB_ID = `dashboard-${Math.random().toString(36).slice(2, 10)}`;

function roomFromAddress(): string {
  const room = new URLSearchParams(window.location.search).get("room") ?? "";
  return ROOM_ID.test(room) ? room : "";
}

function randomRoomId(): string {
  return `room-${Math.random().toString(36).slice(2, 8)}`;
}

function loadRecent(): string[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && ROOM_ID.test(item)) : [];
  } catch {
    return [];
  }
}

function remember(roomId: string, recent: string[]): string[] {
  const next = [roomId, ...recent.filter((item) => item !== roomId)].slice(0, MAX_RECENT);
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // storage may be disabled; the list then lives for this page only
  }
  return next;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const body = error.body as { error?: unknown; message?: unknown } | null;
    const code = body && typeof body.error === "string" ? body.error : "";
    const message = body && typeof body.message === "string" ? body.message : error.message;
    return `${error.status}${code ? ` ${code}` : ""}: ${message}`;
  }
  return String(error);
}

/** "12 seconds ago", "3 hours ago", "2 days ago" (in the browser's language). */
function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return Math.abs(seconds) < 5 ? "just now" : format.format(seconds, "second");
}

/** The date and time in the browser's zone and language, to the second. */
function localTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** A duration for people: "24 hours", "90 minutes", "45 seconds". */
function duration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds >= 86400 && seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(Math.round(seconds), "second");
}

/** The clock, re-read every `ms` (for "… ago" labels). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** `GET /api/rooms`: how long a room lives without a write (ROOM_TTL_SECONDS). */
function useRoomTtl(): number | null {
  const [ttl, setTtl] = useState<number | null>(null);
  useEffect(() => {
    let active = true;
    fetchJson<{ limits?: { room_ttl_seconds?: number } }>("/api/rooms")
      .then((overview) => {
        const value = overview.limits?.room_ttl_seconds;
        if (active && typeof value === "number") setTtl(value);
      })
      .catch(() => undefined); // the sentence then leaves the number out
    return () => {
      active = false;
    };
  }, []);
  return ttl;
}

/** The room's record as its SSE stream tells it, with the stream's state. */
function useRoomStream(roomId: string): { record: RoomRecord | null; state: StreamState; events: number } {
  const [record, setRecord] = useState<RoomRecord | null>(null);
  const [state, setState] = useState<StreamState>("connecting");
  const [events, setEvents] = useState(0);

  useEffect(() => {
    setRecord(null);
    setEvents(0);
    if (!roomId) return undefined;
    setState("connecting");
    const source = new EventSource(`/api/rooms/${encodeURIComponent(roomId)}/stream`);
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("state", (event) => {
      try {
        setRecord(JSON.parse((event as MessageEvent<string>).data) as RoomRecord);
        setEvents((count) => count + 1);
      } catch {
        // not our JSON: ignore the event
      }
    });
    source.addEventListener("error", () => {
      setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    });
    return () => source.close();
  }, [roomId]);

  return { record, state, events };
}

export default function Rooms() {
  const [roomId, setRoomId] = useState(roomFromAddress);
  const [choice, setChoice] = useState(roomId);
  const [recent, setRecent] = useState(loadRecent);
  const [pickError, setPickError] = useState("");
  const { record, state, events } = useRoomStream(roomId);
  const ttl = useRoomTtl();
  const now = useNow(15_000);
  /** Version 0 is how the stream says "no such room" (never written, or expired). */
  const exists = record !== null && record.version > 0;

  const [draft, setDraft] = useState("");
  const [dirty, setDirty] = useState(false);
  const [baseVersion, setBaseVersion] = useState(0);
  const [guard, setGuard] = useState(false);
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);

  useEffect(() => {
    if (roomId) setRecent((list) => remember(roomId, list));
  }, [roomId]);

  // An untouched editor follows the room; an edited one is left alone (and told it is behind).
  useEffect(() => {
    if (!record || dirty) return;
    setDraft(pretty(record.state ?? EXAMPLE_STATE));
    setBaseVersion(record.version);
  }, [record, dirty]);

  function open(next: string) {
    const id = next.trim();
    if (!ROOM_ID.test(id)) {
      setPickError("A room id is 1–64 characters: letters, digits, '_' or '-'.");
      return;
    }
    setPickError("");
    setChoice(id);
    setRoomId(id);
    setDirty(false);
    setNotice(null);
    window.history.replaceState(null, "", `/rooms?room=${encodeURIComponent(id)}`);
  }

  function onPick(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    open(choice);
  }

  function revert() {
    setDraft(pretty(record?.state ?? EXAMPLE_STATE));
    setBaseVersion(record?.version ?? 0);
    setDirty(false);
    setNotice(null);
  }

  async function save() {
    let state: unknown;
    try {
      state = JSON.parse(draft);
    } catch (error) {
      setNotice({ kind: "error", text: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    if (state === null || typeof state !== "object") {
      setNotice({ kind: "error", text: "The state must be a JSON object or array." });
      return;
    }
    setSaving(true);
    try {
      const headers: Record<string, string> = guard ? { "If-Match": `"${baseVersion}"` } : {};
      const saved = await fetchJson<RoomRecord>(`/api/rooms/${encodeURIComponent(roomId)}`, {
        method: "PUT",
        headers,
        json: { state, client_id: TAB_ID, client_ts: new Date().toISOString() },
      });
      setDirty(false);
      setBaseVersion(saved.version);
      setNotice({ kind: "ok", text: `Saved as version ${saved.version}.` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const current = (error.body as { current?: RoomRecord } | null)?.current;
        setNotice({
          kind: "error",
          text: `412: the room is at version ${current?.version ?? "?"}, not ${baseVersion}. Revert to load it, then edit again.`,
        });
      } else {
        setNotice({ kind: "error", text: `Not saved — ${errorText(error)}` });
      }
    } finally {
      setSaving(false);
    }
  }

  const origin = window.location.origin;
  const shown = roomId || "demo";
  const curlPut = [
    `curl -X PUT ${origin}/api/rooms/${shown} \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"state": {"board": ["x", "o", ""], "turn": "x"}}'`,
  ].join("\n");
  const curlStream = `curl -N ${origin}/api/rooms/${shown}/stream`;
  const js = [
    `const source = new EventSource("/api/rooms/${shown}/stream");`,
    `source.addEventListener("state", (event) => {`,
    `  const { version, state } = JSON.parse(event.data);`,
    `});`,
  ].join("\n");
  const behind = dirty && record !== null && record.version !== baseVersion;

  return (
    <div className="page rooms-page">
      <header className="page-head">
        <h1>Rooms</h1>
        <p className="lede">
          A room is a small JSON state that every open browser shares. PUT the whole state; everyone watching the room's
          stream gets it. Last write wins.
        </p>
        <p className="muted small" data-testid="rooms-memory-note">
          Rooms live in this server's memory, not on disk: a restart empties them, and a room nobody writes to for{" "}
          {ttl === null ? "a while" : duration(ttl)} is deleted
          {ttl === null ? "" : " (ROOM_TTL_SECONDS)"}.
        </p>
      </header>

      <section className="panel rooms-picker" aria-labelledby="picker-title">
        <h2 id="picker-title" className="section-title">
          Room
        </h2>
        <form className="picker-row" onSubmit={onPick}>
          <label className="visually-hidden" htmlFor="room-id">
            Room id
          </label>
          <input
            id="room-id"
            className="room-input"
            value={choice}
            onChange={(event) => setChoice(event.target.value)}
            placeholder="e.g. game-42"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            data-testid="room-input"
          />
          <button type="submit" className="button primary">
            Open
          </button>
          <button type="button" className="button" onClick={() => open(randomRoomId())}>
            New room
          </button>
        </form>
        {pickError && <p className="notice error">{pickError}</p>}
        {recent.length > 0 && (
          <div className="recent" aria-label="Rooms you opened">
            {recent.map((item) => (
              <button
                key={item}
                type="button"
                className={`chip${item === roomId ? " chip-current" : ""}`}
                onClick={() => open(item)}
              >
                {item}
              </button>
            ))}
          </div>
        )}
        {roomId && (
          <p className="muted small">
            Open <a href={`/rooms?room=${encodeURIComponent(roomId)}`} target="_blank" rel="noreferrer">this room in
            another tab</a> and edit in one: the other follows.
          </p>
        )}
      </section>

      {roomId ? (
        <div className="rooms-layout">
          <section className="panel rooms-live" aria-labelledby="live-title">
            <h2 id="live-title">Live state</h2>
            <dl className="stats">
              <div className="stat stat-wide">
                <dt>Stream</dt>
                <dd>
                  <span className={`state state-${state === "live" ? "connected" : state === "connecting" ? "connecting" : "disconnected"}`}>
                    <span className="state-dot" aria-hidden="true" />
                    <span data-testid="stream-state">{state}</span>
                  </span>
                  <span className="state-note">{STREAM_LABEL[state]}</span>
                </dd>
              </div>
              {exists && (
                <>
                  <div className="stat">
                    <dt>Version</dt>
                    <dd className="stat-number" data-testid="room-version">
                      {record.version}
                    </dd>
                  </div>
                  <div className="stat">
                    <dt>Events received</dt>
                    <dd className="stat-number">{events}</dd>
                  </div>
                  <div className="stat stat-wide">
                    <dt>Updated</dt>
                    <dd data-testid="room-updated">
                      {record.updated_at ? (
                        <time dateTime={record.updated_at} title={record.updated_at}>
                          {relativeTime(record.updated_at, now)}{" "}
                          <span className="muted">· {localTime(record.updated_at)}</span>
                        </time>
                      ) : (
                        "—"
                      )}
                    </dd>
                  </div>
                </>
              )}
            </dl>
            {record === null ? (
              <p className="muted" data-testid="room-state">
                Waiting for the stream…
              </p>
            ) : exists ? (
              <pre className="event-json room-state" data-testid="room-state">
                {pretty(record.state)}
              </pre>
            ) : (
              <div className="room-empty" data-testid="room-empty">
                <p className="room-empty-title">
                  <strong>{roomId}</strong> has no state yet
                </p>
                <p className="muted small">
                  Nobody has written to this room (or it expired). PUT a state from the editor — it holds an example — and
                  everyone watching this room sees it at once.
                </p>
              </div>
            )}
          </section>

          <section className="panel rooms-edit" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit and PUT</h2>
            <label className="visually-hidden" htmlFor="room-draft">
              The room's state as JSON
            </label>
            <textarea
              id="room-draft"
              className="room-draft"
              value={draft}
              onChange={(event) => {
                setDraft(event.target.value);
                setDirty(true);
              }}
              spellCheck={false}
              rows={14}
              data-testid="room-draft"
            />
            {behind && (
              <p className="notice warn">
                The room moved on to version {record?.version} while you were editing version {baseVersion}.
              </p>
            )}
            <label className="guard">
              <input type="checkbox" checked={guard} onChange={(event) => setGuard(event.target.checked)} />
              <span>
                Only if the room is still at version {baseVersion} (<code>If-Match</code>)
              </span>
            </label>
            <div className="actions">
              <button
                type="button"
                className="button primary"
                onClick={() => void save()}
                disabled={saving}
                data-testid="room-save"
              >
                PUT state
              </button>
              <button type="button" className="button" onClick={revert}>
                Revert to live
              </button>
            </div>
            <p className={`notice ${notice?.kind ?? ""}`} role="status" aria-live="polite" data-testid="room-notice">
              {notice?.text ?? ""}
            </p>
          </section>
        </div>
      ) : (
        <p className="muted">Open a room by its id, or start a new one.</p>
      )}

      <section className="panel rooms-api" aria-labelledby="api-title">
        <h2 id="api-title">From code</h2>
        <div className="snippets">
          <CodeBlock label="Write the state" code={curlPut} wide />
          <CodeBlock label="Watch the stream" code={curlStream} />
          <CodeBlock label="In a browser" code={js} />
        </div>
      </section>
    </div>
  );
}
