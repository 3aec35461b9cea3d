// The official phoenix client plays the arena's live games: two signed-in sockets meet in the
// lobby, start a game, join its topic and chat; an anonymous socket is refused the lobby.
// Usage: node arena_games.mjs BASE_URL TOKEN_A TOKEN_B
import { connect, deadline, done, join, push } from "./lib.mjs";

const [baseUrl, tokenA, tokenB] = process.argv.slice(2);
deadline(20000, "arena games");

function next(channel, event) {
  return new Promise((resolve) => {
    const ref = channel.on(event, (payload) => {
      channel.off(event, ref);
      resolve(payload);
    });
  });
}

const anonymous = connect(baseUrl);
const refused = await join(anonymous.channel("waiting_room:lobby", {})).then(
  () => null,
  (error) => error,
);
anonymous.disconnect();

const a = connect(baseUrl, { token: tokenA });
const b = connect(baseUrl, { token: tokenB });
const lobbyA = a.channel("waiting_room:lobby", {});
const lobbyB = b.channel("waiting_room:lobby", {});
const overview = await join(lobbyA);
await join(lobbyB);

const hosted = await push(lobbyA, "room:host", { options: { mode: "fastest" } });
const roomId = hosted.response.roomId;
const joinedRoom = await push(lobbyB, "room:join", { roomId });
const startSeen = next(lobbyB, "game:start");
const started = await push(lobbyA, "game:start", { roomId });
const startB = await startSeen;
const gameId = started.response.gameId;

const gameA = a.channel(`game:${gameId}`, {});
const gameB = b.channel(`game:${gameId}`, {});
const updateB = next(gameB, "game:update");
await join(gameA);
await join(gameB);
const update = await updateB;

const chatSeen = next(gameB, "chat:message");
const sent = await push(gameA, "chat:message", { message: "hello from phoenix" });
const chat = await chatSeen;
const malformed = await push(gameA, "game:submit", { submissionId: 42 });
const stillThere = await push(gameA, "player:submitted", {});

a.disconnect();
b.disconnect();
done({
  ok: true,
  refused,
  overview,
  hosted,
  joinedRoom,
  started,
  startB,
  players: update.game.players,
  puzzleHasSolution: "solution" in update.puzzle,
  sent,
  chat,
  malformed,
  stillThere: stillThere.status,
});
