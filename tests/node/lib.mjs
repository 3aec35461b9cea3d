// Shared bits of the Node contract clients: the official phoenix client over `ws` (Node 20 has
// no global WebSocket), and a one-line JSON result for pytest to read.
import { Socket } from "phoenix";
import WebSocket from "ws";

export function connect(baseUrl, params = {}) {
  const wsBase = baseUrl.replace(/^http/, "ws") + "/socket";
  const socket = new Socket(wsBase, { transport: WebSocket, params, heartbeatIntervalMs: 1000, timeout: 3000 });
  socket.connect();
  return socket;
}

export function join(channel) {
  return new Promise((resolve, reject) => {
    channel.join().receive("ok", resolve).receive("error", reject).receive("timeout", () => reject(new Error("join timeout")));
  });
}

export function push(channel, event, payload) {
  return new Promise((resolve) => {
    channel.push(event, payload)
      .receive("ok", (response) => resolve({ status: "ok", response }))
      .receive("error", (response) => resolve({ status: "error", response }))
      .receive("timeout", () => resolve({ status: "timeout" }));
  });
}

export function done(result, code = 0) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

export function deadline(ms, what) {
  return setTimeout(() => done({ ok: false, error: `timeout: ${what}` }, 1), ms);
}
