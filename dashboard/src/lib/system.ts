/** `GET /api/system`: what is running. One shared cache for the header and the pages. */
import { useEffect, useSyncExternalStore } from "react";
import { fetchJson } from "./api";

export type Part = {
  name: string;
  title: string;
  path: string;
  description: string;
  topics: string[];
};

export type SystemInfo = {
  name: string;
  version: string;
  parts: Part[];
  /** Subscribers per topic prefix (`room:*`): a topic's full name can be a secret (a room id). */
  realtime: { sockets: number; topics: Record<string, number> };
};

/** The prefix `/api/system` counts a topic under: `board:*` for `board:lobby`. */
export function topicPrefix(topic: string): string {
  const colon = topic.indexOf(":");
  return colon >= 0 ? `${topic.slice(0, colon)}:*` : topic;
}

export type SystemState = {
  data: SystemInfo | null;
  error: string | null;
  loading: boolean;
};

let state: SystemState = { data: null, error: null, loading: false };
let inflight: Promise<void> | null = null;
let again = false;
const listeners = new Set<() => void>();

function set(next: Partial<SystemState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

/** Fetch /api/system now; a call during a request queues one more, so the answer is fresh. */
export function refreshSystem(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  set({ loading: true });
  inflight = fetchJson<SystemInfo>("/api/system")
    .then((data) => set({ data, error: null, loading: false }))
    .catch((error: unknown) =>
      set({ error: error instanceof Error ? error.message : String(error), loading: false }),
    )
    .finally(() => {
      inflight = null;
      if (again) {
        again = false;
        void refreshSystem();
      }
    });
  return inflight;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The system info; loads it once, and re-polls every `pollMs` while the tab is visible. */
export function useSystem(pollMs = 0): SystemState {
  const snapshot = useSyncExternalStore(subscribe, () => state, () => state);
  useEffect(() => {
    if (state.data === null || pollMs > 0) void refreshSystem();
    if (pollMs <= 0) return undefined;
    const timer = window.setInterval(() => {
      if (!document.hidden) void refreshSystem();
    }, pollMs);
    return () => window.clearInterval(timer);
  }, [pollMs]);
  return snapshot;
}
