// The real `eventsource` npm client against a room stream: the first event (version 0 for a new
// room), then a PUT made with fetch arrives as `event: state` with `id: <version>`.
// Usage: node rooms_eventsource.mjs BASE_URL ROOM_ID  → one JSON line on stdout.
import { EventSource } from "eventsource";
import { deadline, done } from "./lib.mjs";

const [baseUrl, roomId] = process.argv.slice(2);
const timer = deadline(10000, "room events");
const events = [];
let written = null;

const source = new EventSource(`${baseUrl}/api/rooms/${roomId}/stream`);
source.addEventListener("error", (error) => {
  if (events.length === 0) done({ ok: false, error: `stream error: ${error.message ?? error.type}` }, 1);
});
// The broadcast may arrive before the PUT's own response: finish when both are in.
function finishWhenComplete() {
  if (events.length < 2 || written === null) return;
  clearTimeout(timer);
  source.close();
  done({ ok: true, readyState: source.readyState, events, written });
}

source.addEventListener("state", async (event) => {
  events.push({ lastEventId: event.lastEventId, record: JSON.parse(event.data) });
  if (events.length === 1) {
    const response = await fetch(`${baseUrl}/api/rooms/${roomId}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ state: { from: "node", list: [1, 2, 3] }, client_id: "node-test" }),
    });
    written = { status: response.status, record: await response.json() };
  }
  finishWhenComplete();
});
