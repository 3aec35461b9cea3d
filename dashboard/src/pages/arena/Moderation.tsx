/** Moderators' page: review queues (ready puzzles, reports), verdicts, bans and the audit log. */
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { Link } from "../../lib/router";
import { arena, ArenaError, errorText } from "./api";
import type { AuditEntry, AuditPage, BanDto, ReviewItem, ReviewPage, ReviewType, UserDto } from "./api-types";
import { Empty, Field, Loading, Notice, Pager, SignInFirst, capital, formatDate, isModerator, relative, useSession } from "./ui";

type Tab = ReviewType | "bans" | "audit";

const TABS: { id: Tab; label: string }[] = [
  { id: "pending_puzzle", label: "Puzzles to review" },
  { id: "reported_puzzle", label: "Reported puzzles" },
  { id: "reported_user", label: "Reported users" },
  { id: "reported_comment", label: "Reported comments" },
  { id: "reported_game_chat", label: "Reported chat" },
  { id: "bans", label: "Bans" },
  { id: "audit", label: "Audit log" },
];

const REASON_MIN = 10;
const REASON_MAX = 500;

function initialTab(): Tab {
  const wanted = new URLSearchParams(window.location.search).get("tab");
  return TABS.find((item) => item.id === wanted)?.id ?? "pending_puzzle";
}

export default function Moderation() {
  const { me, loading } = useSession();
  if (loading) return <Loading />;
  if (!me) return <SignInFirst what="moderate" />;
  if (!isModerator(me)) {
    return (
      <div className="ar-card" data-testid="moderation-forbidden">
        <h1>Moderators only</h1>
        <p className="ar-muted">This page is for the arena's moderators. If you think you should have access, ask an administrator.</p>
        <Link to="/arena">Back to the puzzles</Link>
      </div>
    );
  }
  return <ModerationDesk />;
}

function ModerationDesk() {
  const [tab, setTab] = useState<Tab>(initialTab);
  const [banTarget, setBanTarget] = useState("");
  useEffect(() => {
    window.history.replaceState(window.history.state, "", `/arena/moderation?tab=${tab}`);
  }, [tab]);
  return (
    <section className="ar-page" data-testid="moderation" aria-labelledby="mod-title">
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Moderation</p>
          <h1 id="mod-title">Review desk</h1>
          <p className="ar-muted">Approve puzzles or send them back, decide reports, ban and unban. Every verdict is written to the audit log.</p>
        </div>
      </header>
      <Recalculate />
      <div className="ar-chips" role="group" aria-label="Queue">
        {TABS.map((item) => (
          <button key={item.id} type="button" className="ar-chip" aria-pressed={tab === item.id} onClick={() => setTab(item.id)} data-testid={`mod-tab-${item.id}`}>
            {item.label}
          </button>
        ))}
      </div>
      {tab === "bans" ? (
        <Bans key={banTarget} initial={banTarget} />
      ) : tab === "audit" ? (
        <Audit />
      ) : (
        <Queue
          key={tab}
          type={tab}
          onBan={(username) => {
            setBanTarget(username);
            setTab("bans");
          }}
        />
      )}
    </section>
  );
}

/** The hourly rating job, on demand (POST /leaderboard/recalculate). */
function Recalculate() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState("");
  const [error, setError] = useState("");
  async function run() {
    setBusy(true);
    setError("");
    setResult("");
    try {
      const done = await arena.recalculate();
      setResult(done.totalProcessed === 1 ? "1 game rated." : `${done.totalProcessed} games rated.`);
    } catch (caught) {
      setError(`Ratings not recalculated: ${errorText(caught)}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="ar-mod-recalc">
      <button type="button" className="button" disabled={busy} onClick={() => void run()} data-testid="mod-recalculate">
        {busy ? "Recalculating…" : "Recalculate ratings"}
      </button>
      <span className="ar-muted ar-small" role="status" data-testid="mod-recalculated">
        {result || "Finished rated games are counted every hour."}
      </span>
      <Notice>{error}</Notice>
    </div>
  );
}

// ---- review queues -------------------------------------------------------------------------

function Queue({ type, onBan }: { type: ReviewType; onBan: (username: string) => void }) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ReviewPage | null>(null);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");

  const load = useCallback(() => {
    setError("");
    arena
      .review(type, page)
      .then(setData)
      .catch((caught) => setError(errorText(caught)));
  }, [type, page]);
  useEffect(load, [load]);

  function settled(item: ReviewItem, message: string) {
    setDone(message);
    setData((current) => (current ? { ...current, data: current.data.filter((other) => other.id !== item.id) } : current));
  }

  const label = TABS.find((item) => item.id === type)?.label ?? "Queue";
  return (
    <section className="ar-card" aria-label={label} data-testid="mod-queue" data-type={type}>
      <Notice kind="ok" testId="mod-done">
        {done}
      </Notice>
      {error ? (
        <Notice>
          Could not load the queue: {error}{" "}
          <button type="button" className="ar-link" onClick={load}>
            Try again
          </button>
        </Notice>
      ) : !data ? (
        <Loading label="Loading the queue…" />
      ) : data.data.length === 0 ? (
        <Empty title="Nothing to review" testId="mod-empty">
          {type === "pending_puzzle" ? "No puzzle waits for approval." : "No pending report here."}
        </Empty>
      ) : (
        <ul className="ar-mod-list">
          {data.data.map((item) => (
            <li key={item.id}>
              <ReviewCard item={item} onSettled={settled} onBan={onBan} />
            </li>
          ))}
        </ul>
      )}
      {data && <Pager page={data.pagination.page} totalPages={data.pagination.totalPages} onPage={setPage} label={`${label} pages`} />}
    </section>
  );
}

function ReviewCard({ item, onSettled, onBan }: { item: ReviewItem; onSettled: (item: ReviewItem, message: string) => void; onBan: (username: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [revising, setRevising] = useState(false);
  const [reason, setReason] = useState("");
  const isPuzzle = item.type === "pending_puzzle";
  const headingId = useId();

  async function act(run: () => Promise<unknown>, message: string) {
    setBusy(true);
    setError("");
    try {
      await run();
      onSettled(item, message);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  }

  function sendBack(event: FormEvent) {
    event.preventDefault();
    const text = reason.trim();
    if (text.length < REASON_MIN) return setError(`Tell the author what to change in at least ${REASON_MIN} characters (${text.length} so far).`);
    void act(() => arena.revise(item.id, text), `“${item.title}” went back to its author for changes.`);
  }

  return (
    <article className="ar-mod-item" aria-labelledby={headingId} data-testid="mod-item" data-title={item.title}>
      <div className="ar-row ar-row-between">
        <h2 id={headingId} className="ar-mod-title">
          {isPuzzle ? <Link to={`/arena/puzzles/${item.id}`}>{item.title}</Link> : item.title}
        </h2>
        <span className="ar-muted ar-small" title={formatDate(item.createdAt)}>
          {relative(item.createdAt)}
        </span>
      </div>
      <p className="ar-muted ar-small">
        {isPuzzle ? <>by {item.authorName ?? "unknown"}</> : <>reported by {item.reportedBy ?? "unknown"}</>}
      </p>
      {item.reportExplanation && (
        <blockquote className="ar-mod-quote" data-testid="mod-explanation">
          {item.reportExplanation}
        </blockquote>
      )}
      {item.description && <p className="ar-clamp">{item.description}</p>}
      {item.contextMessages && item.contextMessages.length > 0 && (
        <ol className="ar-chat-list ar-mod-context" aria-label="The conversation around the reported message">
          {item.contextMessages.map((message) => (
            <li key={message._id} className={`ar-chat-line${message.isReported ? " ar-mod-reported" : ""}`}>
              <strong>{message.username}</strong> <span className="ar-chat-text">{message.message}</span>
              {message.isReported && <span className="ar-badge">reported</span>}
            </li>
          ))}
        </ol>
      )}
      {item.gameId && (
        <p className="ar-small">
          <Link to={`/arena/game/${item.gameId}`}>Open the game</Link>
        </p>
      )}
      <Notice>{error}</Notice>
      {isPuzzle ? (
        revising ? (
          <form className="ar-form" onSubmit={sendBack}>
            <Field
              label="What should the author change?"
              value={reason}
              onChange={setReason}
              multiline={3}
              maxLength={REASON_MAX}
              hint={`${REASON_MIN}–${REASON_MAX} characters; the author sees this on their puzzle.`}
              testId="mod-revise-reason"
              autoFocus
            />
            <div className="ar-row">
              <button type="submit" className="button primary ar-btn-s" disabled={busy} data-testid="mod-revise-send">
                Send back for changes
              </button>
              <button type="button" className="button ar-btn-s" onClick={() => setRevising(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div className="ar-row">
            <button
              type="button"
              className="button primary ar-btn-s"
              disabled={busy}
              onClick={() => void act(() => arena.approve(item.id), `“${item.title}” is approved and public.`)}
              data-testid="mod-approve"
              aria-label={`Approve ${item.title}`}
            >
              Approve
            </button>
            <button type="button" className="button ar-btn-s" disabled={busy} onClick={() => setRevising(true)} data-testid="mod-revise" aria-label={`Ask for changes to ${item.title}`}>
              Ask for changes
            </button>
          </div>
        )
      ) : (
        <div className="ar-row">
          <button
            type="button"
            className="button primary ar-btn-s"
            disabled={busy}
            onClick={() => void act(() => arena.resolve(item.id, "resolved"), "Report upheld. Repeated upheld reports ban the person responsible automatically.")}
            data-testid="mod-resolve"
            aria-label={`Uphold the report: ${item.title}`}
          >
            Uphold
          </button>
          <button type="button" className="button ar-btn-s" disabled={busy} onClick={() => void act(() => arena.resolve(item.id, "rejected"), "Report rejected.")} data-testid="mod-reject" aria-label={`Reject the report: ${item.title}`}>
            Reject
          </button>
          {item.type === "reported_user" && (
            <button type="button" className="button ar-btn-s ar-danger-btn" onClick={() => onBan(item.title)} data-testid="mod-ban-user">
              Ban {item.title}…
            </button>
          )}
        </div>
      )}
    </article>
  );
}

// ---- bans ----------------------------------------------------------------------------------

function banText(ban: BanDto): string {
  const by = ban.bannedBy && typeof ban.bannedBy === "object" ? ` by ${ban.bannedBy.username}` : "";
  const span = ban.banType === "permanent" ? "Permanent" : `Until ${formatDate(ban.endDate ?? undefined)}`;
  return `${span}${by}`;
}

function Bans({ initial }: { initial: string }) {
  const [name, setName] = useState(initial);
  const [user, setUser] = useState<UserDto | null>(null);
  const [bans, setBans] = useState<BanDto[] | null>(null);
  const [lookupError, setLookupError] = useState("");
  const [kind, setKind] = useState<"temporary" | "permanent">("temporary");
  const [days, setDays] = useState("1");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const ids = { kind: useId(), days: useId() };

  const lookup = useCallback(async (username: string) => {
    const wanted = username.trim();
    setLookupError("");
    setUser(null);
    setBans(null);
    setDone("");
    setError("");
    if (!wanted) return setLookupError("Type the player's username.");
    try {
      const found = await arena.user(wanted);
      setUser(found.user as UserDto);
      const history = await arena.banHistory(found.user._id);
      setBans(history.bans);
    } catch (caught) {
      setLookupError(caught instanceof ArenaError && caught.status === 404 ? `There is no player called “${wanted}”. Check the spelling.` : errorText(caught));
    }
  }, []);

  useEffect(() => {
    if (initial) void lookup(initial);
  }, [initial, lookup]);

  const active = bans?.find((ban) => ban.isActive) ?? null;

  async function apply(action: "ban" | "unban") {
    if (!user) return;
    const text = reason.trim();
    if (text.length < REASON_MIN) return setError(`Give a reason of at least ${REASON_MIN} characters (${text.length} so far): it is shown to the player and kept in the audit log.`);
    const length = Number(days);
    if (action === "ban" && kind === "temporary" && !(length > 0)) return setError("A temporary ban lasts at least part of a day: enter a number of days above 0.");
    setBusy(true);
    setError("");
    setDone("");
    try {
      if (action === "unban") await arena.unban(user._id, text);
      else if (kind === "permanent") await arena.banPermanent(user._id, text);
      else await arena.banTemporary(user._id, text, length);
      setReason("");
      setDone(action === "unban" ? `${user.username} is no longer banned.` : `${user.username} is banned${kind === "permanent" ? " permanently" : ` for ${length} ${length === 1 ? "day" : "days"}`}.`);
      const history = await arena.banHistory(user._id);
      setBans(history.bans);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="ar-card" aria-labelledby="bans-title" data-testid="mod-bans">
      <h2 id="bans-title">Bans</h2>
      <form
        className="ar-row ar-mod-lookup"
        onSubmit={(event) => {
          event.preventDefault();
          void lookup(name);
        }}
      >
        <Field label="Username" value={name} onChange={setName} autoComplete="off" testId="ban-username" />
        <button type="submit" className="button" data-testid="ban-lookup">
          Look up
        </button>
      </form>
      <Notice>{lookupError}</Notice>
      {user && bans && (
        <div className="ar-form" data-testid="ban-user" data-banned={active ? "true" : "false"}>
          <p>
            <Link to={`/arena/users/${encodeURIComponent(user.username)}`}>
              <strong>{user.username}</strong>
            </Link>{" "}
            <span className="ar-badge">{capital(user.role)}</span>{" "}
            {active ? (
              <span className="ar-badge ar-mod-banned" data-testid="ban-status">
                Banned · {banText(active)}
              </span>
            ) : (
              <span className="ar-muted ar-small" data-testid="ban-status">
                Not banned
              </span>
            )}
          </p>
          <div className="ar-row">
            <div className="ar-field">
              <label htmlFor={ids.kind}>Ban type</label>
              <select id={ids.kind} className="ar-input ar-select" value={kind} onChange={(event) => setKind(event.target.value as "temporary" | "permanent")} data-testid="ban-kind">
                <option value="temporary">Temporary</option>
                <option value="permanent">Permanent</option>
              </select>
            </div>
            {kind === "temporary" && (
              <div className="ar-field">
                <label htmlFor={ids.days}>Days</label>
                <input id={ids.days} className="ar-input ar-mod-days" type="number" min="0.01" step="any" value={days} onChange={(event) => setDays(event.target.value)} data-testid="ban-days" />
              </div>
            )}
          </div>
          <Field label="Reason" value={reason} onChange={setReason} multiline={2} maxLength={REASON_MAX} hint={`${REASON_MIN}–${REASON_MAX} characters, shown to the player.`} testId="ban-reason" />
          <Notice>{error}</Notice>
          <Notice kind="ok" testId="ban-done">
            {done}
          </Notice>
          <div className="ar-row">
            <button type="button" className="button primary ar-danger-btn" disabled={busy} onClick={() => void apply("ban")} data-testid="ban-apply">
              {active ? "Replace the ban" : "Ban"}
            </button>
            {active && (
              <button type="button" className="button" disabled={busy} onClick={() => void apply("unban")} data-testid="ban-lift">
                Lift the ban
              </button>
            )}
          </div>
          <h3>History</h3>
          {bans.length === 0 ? (
            <p className="ar-muted ar-small">Never banned.</p>
          ) : (
            <ul className="ar-plain-list" data-testid="ban-history">
              {bans.map((ban) => (
                <li key={ban._id}>
                  <span className="ar-badge">{capital(ban.banType)}</span> {formatDate(ban.startDate)} — {banText(ban)} {ban.isActive ? "(in force)" : ""}
                  <br />
                  <span className="ar-muted ar-small">{ban.reason}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

// ---- audit log -----------------------------------------------------------------------------

const ACTIONS: Record<string, string> = {
  "puzzle.approve": "approved a puzzle",
  "puzzle.revise": "sent a puzzle back",
  "report.resolve": "upheld a report",
  "report.reject": "rejected a report",
  "user.ban.temporary": "banned a user for a while",
  "user.ban.permanent": "banned a user for good",
  "user.ban.escalation": "auto-banned a user (escalation)",
  "user.unban": "lifted a ban",
};

function target(entry: AuditEntry) {
  if (entry.targetType === "puzzle") return <Link to={`/arena/puzzles/${entry.targetId}`}>puzzle {entry.targetId.slice(-6)}</Link>;
  return (
    <span>
      {entry.targetType} <code>{entry.targetId.slice(-6)}</code>
    </span>
  );
}

function Audit() {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AuditPage | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setData(null);
    arena
      .audit(page)
      .then(setData)
      .catch((caught) => setError(errorText(caught)));
  }, [page]);
  return (
    <section className="ar-card" aria-labelledby="audit-title" data-testid="mod-audit">
      <h2 id="audit-title">Audit log</h2>
      {error ? (
        <Notice>Could not load the audit log: {error}</Notice>
      ) : !data ? (
        <Loading />
      ) : data.data.length === 0 ? (
        <Empty title="No moderation yet" />
      ) : (
        <div className="ar-table-wrap">
          <table className="ar-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">On</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((entry) => (
                <tr key={entry._id} data-testid="audit-row" data-action={entry.action}>
                  <td className="ar-small">{formatDate(entry.createdAt)}</td>
                  <td>{entry.actor?.username ?? "(deleted)"}</td>
                  <td>{ACTIONS[entry.action] ?? entry.action}</td>
                  <td className="ar-small">{target(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager page={data.pagination.page} totalPages={data.pagination.totalPages} onPage={setPage} label="Audit log pages" />}
    </section>
  );
}
