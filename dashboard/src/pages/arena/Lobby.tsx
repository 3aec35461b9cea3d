/** The multiplayer lobby over `waiting_room:lobby`: rooms live, host with options, join, invite codes, start. */
import { useEffect, useId, useState, type FormEvent } from "react";
import type { Channel } from "phoenix";
import { navigate } from "../../lib/router";
import { pushAsync, useArenaChannel } from "./live";
import type { GameMode, GameStart, NotEnough, Room, RoomJoined, RoomOverview, RoomsOverview, RoomSummary } from "./api-types";
import { Empty, Loading, Notice, Select, SignInFirst, capital, useSession } from "./ui";

export const MODES: { value: GameMode; label: string; blurb: string }[] = [
  { value: "fastest", label: "Fastest", blurb: "First to pass every test wins." },
  { value: "shortest", label: "Shortest", blurb: "The shortest passing code wins." },
  { value: "backwards", label: "Backwards", blurb: "Anything goes; ranked by tests passed." },
  { value: "hardcore", label: "Hardcore", blurb: "One attempt only." },
  { value: "debug", label: "Debug", blurb: "Find and fix; anything counts." },
  { value: "typeracer", label: "Typeracer", blurb: "Type it fast." },
  { value: "efficiency", label: "Efficiency", blurb: "Fast code wins." },
  { value: "incremental", label: "Incremental", blurb: "Partial credit counts." },
  { value: "random", label: "Random", blurb: "A surprise mode." },
];

const DURATIONS = [
  { value: "120", label: "2 minutes" },
  { value: "300", label: "5 minutes" },
  { value: "600", label: "10 minutes" },
  { value: "900", label: "15 minutes" },
  { value: "1800", label: "30 minutes" },
  { value: "custom", label: "Custom…" },
];

const CUSTOM_MIN = 10;
const CUSTOM_MAX = 24 * 3600;

export default function Lobby() {
  const { me, loading } = useSession();
  if (loading) return <Loading />;
  if (!me) return <SignInFirst what="play live games" />;
  return <LobbyLive />;
}

function LobbyLive() {
  const { me } = useSession();
  const [rooms, setRooms] = useState<RoomSummary[] | null>(null);
  const [room, setRoom] = useState<Room | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<GameMode>("fastest");
  const [duration, setDuration] = useState("300");
  const [customSeconds, setCustomSeconds] = useState("60");
  const [isPrivate, setPrivate] = useState(false);
  const [rated, setRated] = useState(true);
  const [code, setCode] = useState("");
  const ids = { private: useId(), rated: useId(), code: useId(), seconds: useId() };

  const { channel, status, error: joinError } = useArenaChannel("waiting_room:lobby", (ch: Channel) => {
    ch.on("rooms:overview", (payload: RoomsOverview) => setRooms(payload.rooms ?? []));
    ch.on("room:overview", (payload: RoomOverview) => setRoom(payload.room));
    ch.on("game:start", (payload: GameStart) => navigate(`/arena/game/${payload.gameId}`));
    ch.on("rooms:not-enough", (payload: NotEnough) =>
      setError(`${payload.message || "No approved puzzle to play yet."} A game needs an approved puzzle: write one, or ask a moderator to approve one.`),
    );
  });

  useEffect(() => {
    if (status === "joined") setError("");
  }, [status]);

  async function act<T>(event: string, payload: object, then?: (answer: T) => void) {
    if (!channel) return;
    setBusy(true);
    setError("");
    setNotice("");
    try {
      const answer = await pushAsync<T>(channel, event, payload);
      then?.(answer);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  function host(event: FormEvent) {
    event.preventDefault();
    const seconds = duration === "custom" ? Number(customSeconds) : Number(duration);
    if (!Number.isInteger(seconds) || seconds < CUSTOM_MIN || seconds > CUSTOM_MAX)
      return setError(`A game lasts a whole number of seconds from ${CUSTOM_MIN} to ${CUSTOM_MAX} (24 hours): change the duration.`);
    void act<RoomJoined>(
      "room:host",
      { options: { mode, maxGameDurationInSeconds: seconds, visibility: isPrivate ? "private" : "public", rated } },
      (answer) => setRoom(answer.room),
    );
  }

  function joinByCode(event: FormEvent) {
    event.preventDefault();
    const invite = code.trim().toUpperCase();
    if (invite.length !== 6) return setError("An invite code has 6 characters: ask the host for theirs.");
    void act<RoomJoined>("room:join-by-invite", { inviteCode: invite }, (answer) => {
      setRoom(answer.room);
      setCode("");
    });
  }

  const ownerId = room?.owner.userId ?? "";
  const roomSeconds = room?.options.maxGameDurationInSeconds ?? 900;
  const others = (rooms ?? []).filter((item) => item.roomId !== room?.roomId);

  return (
    <section className="ar-page" data-testid="lobby" aria-labelledby="lobby-title">
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Multiplayer</p>
          <h1 id="lobby-title">Play live</h1>
          <p className="ar-muted">Host a room or join one, then race the others on a random puzzle.</p>
        </div>
        <span className={`ar-live ar-live-${status}`} role="status" data-testid="lobby-status">
          <span className="state-dot" aria-hidden="true" /> {status === "joined" ? "Connected" : status === "joining" ? "Connecting…" : "Offline"}
        </span>
      </header>
      <Notice testId="lobby-error">{error || (status === "errored" ? joinError : "")}</Notice>
      <Notice kind="ok">{notice}</Notice>

      <div className="ar-split ar-split-wide">
        <div className="ar-col">
          {room ? (
            <section className="ar-card ar-room" data-testid="my-room" aria-labelledby="room-title">
              <div className="ar-row ar-row-between">
                <h2 id="room-title">Your room</h2>
                <span className="ar-badge">{capital(room.options.mode ?? "fastest")}</span>
              </div>
              <dl className="ar-facts">
                <div>
                  <dt>Duration</dt>
                  <dd>{roomSeconds < 120 ? `${roomSeconds} s` : `${Math.round(roomSeconds / 60)} min`}</dd>
                </div>
                <div>
                  <dt>Visibility</dt>
                  <dd>{capital(room.options.visibility ?? "public")}</dd>
                </div>
                <div>
                  <dt>Rated</dt>
                  <dd>{room.options.rated === false ? "No" : "Yes"}</dd>
                </div>
                {room.inviteCode && (
                  <div>
                    <dt>Invite code</dt>
                    <dd className="ar-invite" data-testid="invite-code">
                      {room.inviteCode}
                    </dd>
                  </div>
                )}
              </dl>
              <h3>
                Players <span className="ar-count">{room.users.length}</span>
              </h3>
              <ul className="ar-players" data-testid="room-players">
                {room.users.map((user) => (
                  <li key={user.userId} data-testid="room-player">
                    <span className="ar-avatar ar-avatar-s" aria-hidden="true">
                      {user.username.slice(0, 1).toUpperCase()}
                    </span>
                    {user.username}
                    {user.userId === ownerId && <span className="ar-badge">host</span>}
                    {user.userId === me?.userId && <span className="ar-muted ar-small">(you)</span>}
                  </li>
                ))}
              </ul>
              {room.users.length < 2 && <p className="ar-muted ar-small">Waiting for players… you can also start alone to practise.</p>}
              <div className="ar-row">
                <button type="button" className="button primary" disabled={busy} onClick={() => void act("game:start", { roomId: room.roomId })} data-testid="start-game">
                  Start the game
                </button>
                <button
                  type="button"
                  className="button"
                  disabled={busy}
                  onClick={() => void act("room:leave", { roomId: room.roomId }, () => setRoom(null))}
                  data-testid="leave-room"
                >
                  Leave
                </button>
              </div>
            </section>
          ) : (
            <form className="ar-card ar-form" onSubmit={host} data-testid="host-form" aria-labelledby="host-title">
              <h2 id="host-title">Host a room</h2>
              <Select<GameMode> label="Mode" value={mode} onChange={setMode} options={MODES.map((item) => ({ value: item.value, label: `${item.label} — ${item.blurb}` }))} testId="host-mode" />
              <Select label="Duration" value={duration} onChange={setDuration} options={DURATIONS} testId="host-duration" />
              {duration === "custom" && (
                <div className="ar-field">
                  <label htmlFor={ids.seconds}>Duration in seconds</label>
                  <input
                    id={ids.seconds}
                    className="ar-input ar-mod-days"
                    type="number"
                    inputMode="numeric"
                    min={CUSTOM_MIN}
                    max={CUSTOM_MAX}
                    step={1}
                    value={customSeconds}
                    onChange={(event) => setCustomSeconds(event.target.value)}
                    data-testid="host-seconds"
                  />
                </div>
              )}
              <div className="ar-row">
                <label className="ar-check" htmlFor={ids.private}>
                  <input id={ids.private} type="checkbox" checked={isPrivate} onChange={(event) => setPrivate(event.target.checked)} data-testid="host-private" /> Private (join by invite code only)
                </label>
                <label className="ar-check" htmlFor={ids.rated}>
                  <input id={ids.rated} type="checkbox" checked={rated} onChange={(event) => setRated(event.target.checked)} /> Rated
                </label>
              </div>
              <button type="submit" className="button primary" disabled={busy || status !== "joined"} data-testid="host-room">
                Host room
              </button>
            </form>
          )}
        </div>
        <div className="ar-col">
          <section className="ar-card" aria-labelledby="rooms-title" data-testid="rooms">
            <h2 id="rooms-title">
              Open rooms <span className="ar-count">{others.length}</span>
            </h2>
            {rooms === null ? (
              <Loading label="Looking for rooms…" />
            ) : others.length === 0 ? (
              <Empty title="No open rooms right now">Host one and invite a friend.</Empty>
            ) : (
              <ul className="ar-room-list">
                {others.map((item) => (
                  <li key={item.roomId} className="ar-room-item" data-testid="room-item">
                    <span>
                      Room <code>{item.roomId.slice(-6)}</code>
                      <span className="ar-muted ar-small">
                        {" "}
                        · {item.amountOfPlayersJoined} {item.amountOfPlayersJoined === 1 ? "player" : "players"}
                      </span>
                    </span>
                    <button
                      type="button"
                      className="button ar-btn-s"
                      disabled={busy}
                      onClick={() => void act<RoomJoined>("room:join", { roomId: item.roomId }, (answer) => setRoom(answer.room))}
                      data-testid="join-room"
                      aria-label={`Join room ${item.roomId.slice(-6)} (${item.amountOfPlayersJoined} players)`}
                    >
                      Join
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <form className="ar-card ar-form" onSubmit={joinByCode} aria-labelledby="invite-title">
            <h2 id="invite-title">Join with a code</h2>
            <div className="ar-row">
              <label htmlFor={ids.code} className="ar-sr">
                Invite code
              </label>
              <input
                id={ids.code}
                className="ar-input ar-code-input"
                value={code}
                maxLength={6}
                placeholder="ABC123"
                autoComplete="off"
                onChange={(event) => setCode(event.target.value)}
                data-testid="invite-input"
              />
              <button type="submit" className="button" disabled={busy || status !== "joined"} data-testid="invite-join">
                Join
              </button>
            </div>
          </form>
        </div>
      </div>
    </section>
  );
}
