import { useEffect } from "react";
import { CodeBlock } from "../components/CodeBlock";
import { cliUrlFlag } from "../lib/hints";
import { Link, useHasPage } from "../lib/router";
import { useSocketState } from "../lib/socket";
import { refreshSystem, topicPrefix, useSystem, type Part } from "../lib/system";

function PartCard({ part, topics, hasPage }: { part: Part; topics: Record<string, number>; hasPage: boolean }) {
  const prefixes = new Set(part.topics.map(topicPrefix));
  const listening = [...prefixes].reduce((sum, prefix) => sum + (topics[prefix] ?? 0), 0);
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
          {part.topics.length > 0 ? (
            <>
              {part.topics.map((topic) => (
                <code key={topic} className="chip">
                  {topic}
                </code>
              ))}{" "}
              <span className="muted">
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
