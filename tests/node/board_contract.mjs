// Contract: the official phoenix client joins board:lobby, a spark is POSTed over HTTP, and the
// client receives sparkle_event with the same data; the server also answers its heartbeats.
import { connect, join, done, deadline } from "./lib.mjs";

const baseUrl = process.argv[2];
deadline(15000, "no sparkle_event or heartbeat reply");
const socket = connect(baseUrl, { token: "ignored-by-board" });
const state = { received: null, posted: null, heartbeat: false };
const finish = () => {
  if (state.received && state.posted && state.heartbeat) done({ ok: true, ...state });
};
socket.onMessage(({ topic, event, payload }) => {
  if (topic === "phoenix" && event === "phx_reply" && payload.status === "ok") {
    state.heartbeat = true;
    finish();
  }
});
const channel = socket.channel("board:lobby", {});
channel.on("sparkle_event", (payload) => {
  state.received = payload;
  finish();
});
await join(channel);
const spark = { color: [0.1, 0.2, 0.3, 0.9], radius: 12.5, transparency: 0.25, time_to_grow: 2 };
const response = await fetch(`${baseUrl}/api/77/301`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(spark),
});
state.posted = { status: response.status, body: await response.json() };
finish();
