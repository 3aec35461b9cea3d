import { useEffect } from "react";
import { CodeBlock } from "../components/CodeBlock";
import { cliUrlFlag } from "../lib/hints";
import { Link, useHasPage } from "../lib/router";
import { useSocketState } from "../lib/socket";
import { refreshSystem, topicPrefix, useSystem, type Part } from "../lib/system";
import "./Home.css";

/**
 * Topics a part serves without declaring them as Phoenix topics in /api/system: the rooms'
 * SSE streams are broker topics `room:<id>` (counted as `room:*`), the arena's games are
 * channels it joins by id. Kept here so a part's card and the topics table say the same.
 */
const UNDECLARED_TOPICS: Record<string, Topic[]> = {
  rooms: [{ prefix: "room:*", label: "room:<id>", how: "SSE" }],
  arena: [
    { prefix: "waiting_room:*", label: "waiting_room:lobby", how: "WebSocket" },
    { prefix: "game:*", label: "game:<id>", how: "WebSocket" },
  ],
};

/** A live topic as /api/system counts it (`prefix`) and as a person reads it (`label`). */
type Topic = { prefix: string; label: string; how: string };

/** The topic prefixes of a part (declared or not), each with how it is served. */
function partTopics(part: Part): Topic[] {
  const declared = part.topics.map((topic) => ({ prefix: topicPrefix(topic), label: topic, how: "WebSocket" }));
  const seen = new Set(declared.map((topic) => topic.prefix));
  return [...declared, ...(UNDECLARED_TOPICS[part.name] ?? []).filter((topic) => !seen.has(topic.prefix))];
}

/** Which part a live topic prefix belongs to, by the same list the cards use. */
function ownerOf(prefix: string, parts: Part[]): Part | undefined {
  return parts.find((part) => partTopics(part).some((topic) => topic.prefix === prefix));
}

function PartCard({ part, topics, hasPage }: { part: Part; topics: Record<string, number>; hasPage: boolean }) {
  const own = partTopics(part);
  const listening = own.reduce((sum, topic) => sum + (topics[topic.prefix] ?? 0), 0);
  return (
    <li className="card part-card" data-testid={`part-${part.name}`}>
      <div className="card-head">
        <h3>
          {hasPage ? (
            <Link to={part.path} className="card-link">
              {part.title}
            </Link>
          ) : (
            part.title
          )}
        </h3>
        <span className="badge">{part.name}</span>
      </div>
      <p className="card-text">{part.description}</p>
      <div className="card-foot">
        <span className="meta">
          {own.length > 0 ? (
            <>
              {own.map((topic) => (
                <code key={topic.prefix} className="chip" title={`Served over ${topic.how}`}>
                  {topic.label}
                </code>
              ))}{" "}
              <span className="muted" data-testid={`listeners-${part.name}`}>
                {listening} {listening === 1 ? "listener" : "listeners"}
              </span>
            </>
          ) : (
            <span className="muted">No live topics</span>
          )}
        </span>
        {hasPage ? (
          <span className="open" aria-hidden="true">
            Open {part.path} →
          </span>
        ) : (
          <span className="muted small">API only · no page yet</span>
        )}
      </div>
    </li>
  );
}

/** A newcomer's first steps, in an order that builds up: see it live, then share state, then
 * the bigger parts. Only steps whose page exists are shown. */
const START_STEPS: { path: string; title: string; text: string }[] = [
  {
    path: "/board",
    title: "Drop a spark on the board",
    text: "Click the board, or POST a spark from a terminal: it appears in every open browser at once.",
  },
  {
    path: "/clicker",
    title: "Play Click the Button",
    text: "Open it in two windows and watch the live leaderboard follow both.",
  },
  {
    path: "/rooms",
    title: "Share a JSON room",
    text: "Open a room in two tabs, edit the state in one, and the other follows.",
  },
  {
    path: "/analytics",
    title: "Track a website",
    text: "Sign in, add a site and paste the tracking snippet into your pages.",
  },
  {
    path: "/arena",
    title: "Solve a puzzle",
    text: "Register, pick a puzzle and submit code that runs in a sandbox.",
  },
];

export default function Home() {
  const { data, error, loading } = useSystem(5000);
  const hasPage = useHasPage();
  const socketState = useSocketState();
  const origin = window.location.origin;

  // Our own socket counts too: refresh as soon as it is up rather than at the next poll.
  useEffect(() => {
    if (socketState === "connected") void refreshSystem();
  }, [socketState]);

  const topics = Object.entries(data?.realtime.topics ?? {}).sort(([a], [b]) => a.localeCompare(b));

  return (
    <div className="page home">
      <header className="page-head hero">
        <p className="eyebrow">Self-hosted · real time · one binary</p>
        <h1>Everything is running on one port.</h1>
        <p className="lede">
          Sparkhouse hosts its parts side by side: HTTP APIs, Phoenix Channels over WebSocket and server-sent
          events, served by this one process.
        </p>
      </header>

      <section aria-labelledby="start-title" className="section start-here" data-testid="start-here">
        <h2 id="start-title" className="section-title">
          Start here
        </h2>
        <ol className="start-steps">
          {START_STEPS.filter((step) => hasPage(step.path)).map((step, index) => (
            <li key={step.path} className="card start-step">
              <h3>
                <Link to={step.path} className="card-link">
                  {index + 1}. {step.title}
                </Link>
              </h3>
              <p className="card-text">{step.text}</p>
            </li>
          ))}
        </ol>
        <p className="muted small">
          Everything here is also an API: each page shows the curl and client code for what it does, and the{" "}
          <Link to="/docs/api">API reference</Link> lists every route. Stop the server with Ctrl-C; <code>make run</code>{" "}
          starts it again.
        </p>
      </section>

      <section aria-labelledby="status-title" className="section">
        <h2 id="status-title" className="section-title">
          Status
        </h2>
        <dl className="stat-strip">
          <div className="stat">
            <dt>Server</dt>
            <dd data-testid="server-status">
              <span className={`state state-${error ? "disconnected" : data ? "connected" : "connecting"}`}>
                <span className="state-dot" aria-hidden="true" />
                {error ? "unreachable" : data ? "running" : "checking"}
              </span>
            </dd>
          </div>
          <div className="stat">
            <dt>Version</dt>
            <dd className="stat-number" data-testid="version">
              {data?.version ?? "—"}
            </dd>
          </div>
          <div className="stat">
            <dt>Live sockets</dt>
            <dd className="stat-number" data-testid="socket-count">
              {data ? data.realtime.sockets : "—"}
            </dd>
          </div>
          <div className="stat">
            <dt>Parts</dt>
            <dd className="stat-number">{data ? data.parts.length : "—"}</dd>
          </div>
        </dl>
        {error && (
          <p className="notice error" role="alert">
            Cannot reach /api/system ({error}). Retrying every few seconds.
          </p>
        )}
        {!error && socketState === "disconnected" && (
          <p className="notice error" role="status">
            The realtime socket is disconnected; reconnecting.
          </p>
        )}
      </section>

      <section aria-labelledby="parts-title" className="section">
        <h2 id="parts-title" className="section-title">
          Parts
        </h2>
        {data ? (
          <ul className="cards" data-testid="parts">
            {data.parts.map((part) => (
              <PartCard key={part.name} part={part} topics={data.realtime.topics} hasPage={hasPage(part.path)} />
            ))}
          </ul>
        ) : (
          <p className="muted">{loading || !error ? "Loading…" : "No data."}</p>
        )}
      </section>

      <div className="home-grid">
        <section aria-labelledby="realtime-title" className="section">
          <h2 id="realtime-title" className="section-title">
            Realtime topics
          </h2>
          <div className="panel table-panel">
            {topics.length > 0 ? (
              <table className="table" data-testid="topics">
                <thead>
                  <tr>
                    <th scope="col">Topics</th>
                    <th scope="col">Part</th>
                    <th scope="col" className="num">
                      Subscribers
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {topics.map(([topic, count]) => (
                    <tr key={topic}>
                      <td>
                        <code>{topic}</code>
                      </td>
                      <td>{data ? (ownerOf(topic, data.parts)?.title ?? "—") : "—"}</td>
                      <td className="num">{count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted empty">No one is subscribed to a topic right now. Open a board to join one.</p>
            )}
          </div>
        </section>

        <section aria-labelledby="try-title" className="section">
          <h2 id="try-title" className="section-title">
            Try it
          </h2>
          <div className="snippets single">
            <CodeBlock label="Send a spark to the board" code={`sparkhouse spark 256 256${cliUrlFlag(origin)}`} />
            <CodeBlock label="Is it up?" code={`curl ${origin}/healthz`} />
          </div>
        </section>
      </div>
    </div>
  );
}
