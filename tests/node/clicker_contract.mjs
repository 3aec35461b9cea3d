// Contract: the official phoenix client plays the clicker over clicker:lobby.
// A joins without an id (the server hands one out, with its public handle), clicks (ok, then
// throttled), names itself over HTTP; watcher W, joined with its own id, sees A by its handle
// on the coalesced `leaderboard` broadcast; a join with a malformed id is refused with a reason.
import { randomUUID } from "node:crypto";
import { connect, join, push, done, deadline } from "./lib.mjs";

const baseUrl = process.argv[2];
deadline(20000, "clicker contract did not complete");
const TOPIC = "clicker:lobby";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const watcherId = randomUUID();
const watcherSocket = connect(baseUrl);
const watcher = watcherSocket.channel(TOPIC, { player_id: watcherId });
const boards = [];
watcher.on("leaderboard", (payload) => boards.push(payload));
const watcherJoin = await join(watcher);

const playerSocket = connect(baseUrl);
const player = playerSocket.channel(TOPIC, {});
const joined = await join(player);
const id = joined.player_id;
const handle = joined.handle;

const first = await push(player, "click", {});
const throttled = await push(player, "click", {});
await sleep(throttled.response?.retry_after_ms ?? 100);
const named = await fetch(`${baseUrl}/api/clicker/players/${id}/name`, {
  method: "PUT",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ name: "Node client" }),
});
const second = await push(player, "click", {});

// Wait for a broadcast that shows A with its name and score 2.
const seen = () => boards.find((b) => b.top.some((e) => e.handle === handle && e.name === "Node client" && e.score === 2));
for (let i = 0; i < 50 && !seen(); i++) await sleep(50);

const badSocket = connect(baseUrl);
const bad = badSocket.channel(TOPIC, { player_id: "not-a-uuid" });
const refused = await join(bad).then(() => null, (reason) => reason);
bad.leave();

done({
  ok: true,
  watcherJoin: { player_id: watcherJoin.player_id, score: watcherJoin.score, rank: watcherJoin.rank, hasTop: Array.isArray(watcherJoin.top) },
  watcherId,
  joined: { player_id: id, handle, score: joined.score, rank: joined.rank },
  first,
  throttled,
  renamed: { status: named.status, body: await named.json() },
  second,
  board: seen() ?? boards.at(-1) ?? null,
  boards: boards.length,
  refused,
});
