/**
 * The arena's own Phoenix socket: the `token` cookie rides on the WebSocket upgrade, so the
 * socket is opened after sign-in (the app's shared socket may predate it) and closed on sign-out.
 */
import { useEffect, useRef, useState } from "react";
import { Socket, type Channel } from "phoenix";

let socket: Socket | null = null;

export function arenaSocket(): Socket {
  if (socket === null) {
    socket = new Socket("/socket", {});
    socket.connect();
  }
  return socket;
}

export function closeArenaSocket(): void {
  socket?.disconnect();
  socket = null;
}

export type LiveStatus = "joining" | "joined" | "errored" | "closed";

export type Refusal = { reason?: string; message?: string; status?: number };

export function refusalText(reason: unknown): string {
  if (!reason) return "No answer from the server.";
  if (typeof reason === "string") return reason === "timeout" ? "The server did not answer in time: check your connection." : reason;
  const refusal = reason as Refusal;
  return refusal.message || refusal.reason || "Refused.";
}

/** Push and wait for the reply: resolves with `ok`'s payload, rejects with the refusal's text. */
export function pushAsync<T = unknown>(channel: Channel, event: string, payload: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    channel
      .push(event, payload, 10_000)
      .receive("ok", (answer: T) => resolve(answer))
      .receive("error", (reason: unknown) => reject(new Error(refusalText(reason))))
      .receive("timeout", () => reject(new Error(refusalText("timeout"))));
  });
}

/** Join `topic` on the arena socket while mounted; `setup` attaches handlers before the join. */
export function useArenaChannel(topic: string | null, setup: (channel: Channel) => void): { channel: Channel | null; status: LiveStatus; error: string } {
  const [state, setState] = useState<{ channel: Channel | null; status: LiveStatus; error: string }>({ channel: null, status: "joining", error: "" });
  const setupRef = useRef(setup);
  setupRef.current = setup;
  useEffect(() => {
    if (!topic) return undefined;
    const channel = arenaSocket().channel(topic, {});
    let active = true;
    const update = (status: LiveStatus, error = ""): void => {
      if (active) setState({ channel, status, error });
    };
    setupRef.current(channel);
    channel.onError(() => update("errored", "The live connection dropped; reconnecting…"));
    update("joining");
    channel
      .join()
      .receive("ok", () => update("joined"))
      .receive("error", (reason: unknown) => update("errored", refusalText(reason)))
      .receive("timeout", () => update("errored", refusalText("timeout")));
    return () => {
      active = false;
      channel.leave();
    };
  }, [topic]);
  return state;
}
