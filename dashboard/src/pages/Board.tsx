import { useCallback, useEffect, useRef, useState, type MouseEvent } from "react";
import { BoardRenderer, isSparkData, sparkPaint, type SparkData } from "../board/renderer";
import { CodeBlock } from "../components/CodeBlock";
import { ApiError, fetchJson } from "../lib/api";
import { cliUrlFlag } from "../lib/hints";
import { getSocket, useSocketState, type SocketState } from "../lib/socket";

const SIZE = 512;
const TOPIC = "board:lobby";

type SparkBody = Omit<SparkData, "x" | "y">;
/** The join reply with `{replay: true}` (appliance/sparks/channels.py): the recent sparks. */
type JoinReply = { recent?: { data?: unknown; age_ms?: unknown }[] };
type JoinStatus = "joining" | "joined" | "errored";

function randomBody(): SparkBody {
  const hue = Math.random() * 360;
  const [r, g, b] = hslToRgb(hue, 0.85, 0.58);
  return {
    color: [r, g, b].map((c) => Math.round(c * 1000) / 1000),
    radius: Math.round(8 + Math.random() * 40),
    transparency: Math.round(Math.random() * 40) / 100,
    time_to_grow: Math.round((0.3 + Math.random() * 1.7) * 10) / 10,
  };
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [f(0), f(8), f(4)];
}

function colorCss(spark: SparkData): string {
  const { fill, alpha } = sparkPaint(spark);
  return fill.replace("rgb(", "rgba(").replace(")", `, ${Math.max(alpha, 0.15).toFixed(2)})`);
}

/** A number for display: at most 3 decimals. */
const short = (n: number): number => Math.round(n * 1000) / 1000;

/** Pretty JSON (numbers shortened for display) with short arrays, the colour, on one line. */
function formatEvent(data: SparkData): string {
  const replacer = (_key: string, value: unknown) => (typeof value === "number" ? short(value) : value);
  return JSON.stringify({ data }, replacer, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) =>
    `[${inner.split(/,\s+/).join(", ")}]`,
  );
}

const STATE_LABEL: Record<SocketState, string> = {
  connected: "Live — sparks appear as they are posted",
  connecting: "Connecting to the board…",
  disconnected: "Disconnected — retrying",
};

export default function Board() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const rendererRef = useRef<BoardRenderer | null>(null);
  const countRef = useRef(0);
  const lastRef = useRef<SparkData | null>(null);
  const flushRef = useRef(0);
  const [count, setCount] = useState(0);
  const [last, setLast] = useState<SparkData | null>(null);
  const [rate, setRate] = useState(0);
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [sending, setSending] = useState(false);
  const [replayed, setReplayed] = useState<number | null>(null);
  const [status, setStatus] = useState<JoinStatus>("joining");
  /** When the channel was lost (performance.now()), so a rejoin replays only what was missed. */
  const lostAtRef = useRef<number | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return undefined;
    const renderer = new BoardRenderer(canvas, SIZE);
    rendererRef.current = renderer;
    return () => {
      renderer.destroy();
      rendererRef.current = null;
      window.clearTimeout(flushRef.current);
      flushRef.current = 0;
    };
  }, []);

  // Sparks per second, from the received count once a second.
  useEffect(() => {
    let previous = countRef.current;
    const timer = window.setInterval(() => {
      setRate(countRef.current - previous);
      previous = countRef.current;
    }, 1000);
    return () => window.clearInterval(timer);
  }, []);

  const onSpark = useCallback((payload: unknown) => {
    const data = (payload as { data?: unknown } | undefined)?.data;
    if (!isSparkData(data)) return;
    rendererRef.current?.add(data);
    countRef.current += 1;
    lastRef.current = data;
    // Hundreds of sparks a second must not mean hundreds of renders: flush the numbers ~12×/s.
    if (flushRef.current === 0) {
      flushRef.current = window.setTimeout(() => {
        flushRef.current = 0;
        setCount(countRef.current);
        setLast(lastRef.current);
      }, 80);
    }
  }, []);

  const onSparkRef = useRef(onSpark);
  onSparkRef.current = onSpark;

  /** Draw the join reply's recent sparks, each at the size it has grown to by now. After an
   * outage only the sparks the server received since the channel was lost are drawn: the
   * others are on the canvas already. */
  const onReplay = useCallback((reply: JoinReply | undefined) => {
    const recent = Array.isArray(reply?.recent) ? reply.recent : [];
    const lostAt = lostAtRef.current;
    lostAtRef.current = null;
    const now = performance.now();
    const missedFor = lostAt === null ? Infinity : now - lostAt;
    let drawn = 0;
    for (const item of recent) {
      const age = typeof item?.age_ms === "number" && item.age_ms > 0 ? item.age_ms : 0;
      if (age >= missedFor || !isSparkData(item?.data)) continue;
      rendererRef.current?.add(item.data, now - age);
      lastRef.current = item.data;
      drawn += 1;
    }
    if (lostAt === null) setReplayed(drawn);
    if (drawn > 0) setLast(lastRef.current);
  }, []);

  useEffect(() => {
    // Our own channel rather than useChannel: the join reply carries the replay.
    const channel = getSocket().channel(TOPIC, { replay: true });
    let active = true;
    channel.on("sparkle_event", (payload) => onSparkRef.current(payload));
    channel.onError(() => {
      if (lostAtRef.current === null) lostAtRef.current = performance.now();
      if (active) setStatus("errored");
    });
    channel
      .join()
      .receive("ok", (reply: JoinReply) => {
        if (!active) return;
        onReplay(reply);
        setStatus("joined");
      })
      .receive("error", () => active && setStatus("errored"))
      .receive("timeout", () => active && setStatus("errored"));
    return () => {
      active = false;
      channel.leave();
    };
  }, [onReplay]);
  const socketState = useSocketState();
  const state: SocketState =
    socketState === "connected" ? (status === "joined" ? "connected" : "connecting") : socketState;

  async function send(x: number, y: number) {
    const body = randomBody();
    setSending(true);
    try {
      await fetchJson(`/api/${x}/${y}`, { method: "POST", json: body });
      setNotice({ kind: "ok", text: `Sent a spark to (${x}, ${y}).` });
    } catch (error) {
      const text = error instanceof ApiError ? `${error.status}: ${error.message}` : String(error);
      setNotice({ kind: "error", text: `Could not send: ${text}` });
    } finally {
      setSending(false);
    }
  }

  function onCanvasClick(event: MouseEvent<HTMLCanvasElement>) {
    const rect = event.currentTarget.getBoundingClientRect();
    const clampPx = (v: number) => Math.min(SIZE - 1, Math.max(0, Math.floor(v)));
    const x = clampPx(((event.clientX - rect.left) / rect.width) * SIZE);
    const y = clampPx(((event.clientY - rect.top) / rect.height) * SIZE);
    void send(x, y);
  }

  function sendRandom() {
    void send(Math.floor(Math.random() * SIZE), Math.floor(Math.random() * SIZE));
  }

  function clearView() {
    rendererRef.current?.clear();
    setNotice({
      kind: "ok",
      text: "Cleared this view only. Other browsers keep their sparks, and a reload shows the recent ones again.",
    });
  }

  const origin = window.location.origin;
  const curl = [
    `curl -X POST ${origin}/api/256/256 \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"color":[1,0.6,0.1],"radius":24,"transparency":0.2,"time_to_grow":1}'`,
  ].join("\n");
  const cli = `sparkhouse spark 256 256${cliUrlFlag(origin)}`;
  const cliRandom = `sparkhouse spark --random 200 --rate 20${cliUrlFlag(origin)}`;

  return (
    <div className="page board-page">
      <header className="page-head">
        <h1>Spark board</h1>
        <p className="lede">
          POST a spark to <code>/api/&lt;x&gt;/&lt;y&gt;</code> and it blooms here — in every open browser, at once.
        </p>
      </header>

      <div className="board-layout">
        <div className="board-stage">
          <div className="canvas-frame">
            <canvas
              id="board"
              ref={canvasRef}
              width={SIZE}
              height={SIZE}
              data-testid="board-canvas"
              role="img"
              aria-label={`Spark board, 512 by 512 pixels, ${count} sparks received`}
              title="Click to drop a random spark here"
              onClick={onCanvasClick}
            />
          </div>
          <p className="caption">512 × 512 · click anywhere on the board to drop a random spark there.</p>
          {replayed !== null && (
            <p className="caption" data-testid="replay-note">
              {replayed > 0
                ? `Also showing the ${replayed === 1 ? "spark" : `${replayed} sparks`} sent in the 10 minutes before you opened the board (at most 200).`
                : "Nothing was sent in the 10 minutes before you opened the board."}
            </p>
          )}
        </div>

        <aside className="board-side" aria-label="Board status and controls">
          <section className="panel">
            <dl className="stats">
              <div className="stat stat-wide">
                <dt>Connection</dt>
                <dd>
                  <span className={`state state-${state}`}>
                    <span className="state-dot" aria-hidden="true" />
                    <span data-testid="connection-state">{state}</span>
                  </span>
                  <span className="state-note">{STATE_LABEL[state]}</span>
                </dd>
              </div>
              <div className="stat">
                <dt>Received live</dt>
                <dd className="stat-number" data-testid="spark-count">
                  {count}
                </dd>
              </div>
              <div className="stat">
                <dt>Per second</dt>
                <dd className="stat-number">{rate}</dd>
              </div>
              <div className="stat stat-wide">
                <dt>Last spark</dt>
                <dd className="last-spark">
                  {last ? (
                    <>
                      <span className="swatch" style={{ background: colorCss(last) }} aria-hidden="true" />
                      <span>
                        ({last.x}, {last.y}) · r {short(last.radius)} · grow {short(last.time_to_grow)}s
                      </span>
                    </>
                  ) : (
                    <span className="muted">None yet</span>
                  )}
                </dd>
              </div>
            </dl>
            <div>
              <div className="actions">
                <button type="button" className="button primary" onClick={sendRandom} aria-busy={sending}>
                  Send a random spark
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={clearView}
                  title="Wipes this canvas in this browser; the board and other browsers are not affected"
                  data-testid="clear-view"
                >
                  Clear this view
                </button>
              </div>
              <p className={`notice ${notice?.kind ?? ""}`} role="status" aria-live="polite">
                {notice?.text ?? ""}
              </p>
            </div>
          </section>

          <section className="panel event-panel" aria-labelledby="event-title">
            <h2 id="event-title">Last event</h2>
            <p className="muted small">
              <code>sparkle_event</code> on <code>{TOPIC}</code>
            </p>
            <pre className="event-json" data-testid="last-event">
              {last ? formatEvent(last) : "Waiting for the first spark…"}
            </pre>
          </section>
        </aside>

        <section className="panel send-one" aria-labelledby="send-one-title">
          <h2 id="send-one-title">Send one</h2>
          <p className="muted small">
            x and y are 0–511; color is [r, g, b] or [r, g, b, a] in 0–1; radius in pixels; transparency 0–1;
            time_to_grow in seconds.
          </p>
          <div className="snippets">
            <CodeBlock label="With curl" code={curl} wide />
            <CodeBlock label="With the CLI" code={cli} />
            <CodeBlock label="A stream of random sparks" code={cliRandom} />
          </div>
        </section>
      </div>
    </div>
  );
}
