/**
 * The one Phoenix socket of the app (same origin, "/socket" → "/socket/websocket").
 *
 *   const socket = getSocket();                       // connects on first call, reconnects forever
 *   const state = useSocketState();                   // "connecting" | "connected" | "disconnected"
 *   const { status } = useChannel("clicker:lobby", (ch) => ch.on("click", onClick));
 */
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Socket, type Channel } from "phoenix";

export type SocketState = "connecting" | "connected" | "disconnected";

let socket: Socket | null = null;
let state: SocketState = "connecting";
const listeners = new Set<() => void>();

function setState(next: SocketState): void {
  if (state === next) return;
  state = next;
  for (const listener of listeners) listener();
}

/** The shared socket; the first call creates and connects it. */
export function getSocket(): Socket {
  if (socket === null) {
    socket = new Socket("/socket", {});
    socket.onOpen(() => setState("connected"));
    socket.onClose(() => setState("disconnected"));
    socket.onError(() => setState("disconnected"));
    socket.connect();
  }
  return socket;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The socket's state; using the hook connects the socket. */
export function useSocketState(): SocketState {
  useEffect(() => {
    getSocket();
  }, []);
  return useSyncExternalStore(subscribe, () => state, () => "connecting");
}

export type ChannelStatus = "joining" | "joined" | "errored" | "closed";

export type ChannelHandle = {
  channel: Channel | null;
  status: ChannelStatus;
  /** The server's reason when a join was refused (the client keeps retrying). */
  error: unknown;
};

/**
 * Join `topic` while the component is mounted (leave on unmount; rejoins after reconnects).
 * `setup(channel)` runs once per topic, before the join: attach `channel.on(...)` handlers there
 * and read changing values through refs. Pass `topic = null` to join nothing.
 */
export function useChannel(
  topic: string | null,
  setup?: (channel: Channel) => void,
  params?: Record<string, unknown>,
): ChannelHandle {
  const [handle, setHandle] = useState<ChannelHandle>({ channel: null, status: "joining", error: null });
  const setupRef = useRef(setup);
  const paramsRef = useRef(params);
  setupRef.current = setup;
  paramsRef.current = params;

  useEffect(() => {
    if (topic === null) {
      setHandle({ channel: null, status: "closed", error: null });
      return undefined;
    }
    const channel = getSocket().channel(topic, () => paramsRef.current ?? {});
    let active = true;
    const update = (status: ChannelStatus, error: unknown = null) => {
      if (active) setHandle({ channel, status, error });
    };
    setupRef.current?.(channel);
    channel.onError(() => update("errored"));
    channel.onClose(() => update("closed"));
    update("joining");
    channel
      .join()
      .receive("ok", () => update("joined"))
      .receive("error", (reason?: unknown) => update("errored", reason))
      .receive("timeout", () => update("errored", "timeout"));
    return () => {
      active = false;
      channel.leave();
    };
  }, [topic]);

  return handle;
}
