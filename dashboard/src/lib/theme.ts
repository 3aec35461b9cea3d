/**
 * The colour theme of the whole dashboard: system (prefers-color-scheme), light or dark. The
 * choice is kept in localStorage, applied as <html data-theme> by the shell (App.tsx) on every
 * page, and followed by other open tabs. styles.css holds both palettes.
 */
import { useEffect, useSyncExternalStore } from "react";

export type Theme = "system" | "light" | "dark";

/** The name predates the app-wide theme (it was the analytics pages' own): kept, so a choice
 * made there before still holds. */
const KEY = "sparkhouse.analytics.theme";
const listeners = new Set<() => void>();

/** The stored choice, or null when storage is disabled (the choice then lives in `current`). */
function stored(): Theme | null {
  try {
    const value = window.localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return null;
  }
}

function read(): Theme {
  return stored() ?? "system";
}

let current: Theme = typeof window === "undefined" ? "system" : read();

function notify(): void {
  for (const listener of listeners) listener();
}

export function setTheme(next: Theme): void {
  current = next;
  try {
    if (next === "system") window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, next);
  } catch {
    // storage disabled: the choice lasts for this page
  }
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== "undefined") {
  // Before the first render, so a reload never flashes the other theme.
  if (current !== "system") document.documentElement.dataset.theme = current;
  // Another tab changed the theme: follow it, so tabs never disagree.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY && event.key !== null) return; // null: storage was cleared
    const next = read();
    if (next !== current) {
      current = next;
      notify();
    }
  });
}

/** The theme and its setter. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(subscribe, () => current, () => "system" as Theme);
  return [theme, setTheme];
}

/** Keep <html data-theme> on the chosen theme (none for "system"). Called once, by the shell,
 * with the path: after each navigation the choice is read again from storage and re-applied,
 * so nothing a page did to the attribute outlives the page. */
export function useApplyTheme(pathname: string): void {
  const [theme] = useTheme();
  useEffect(() => {
    const choice = stored();
    if (choice !== null && choice !== current) {
      current = choice;
      notify(); // renders again with the stored theme, which this effect then applies
      return;
    }
    const root = document.documentElement;
    if (theme === "system") delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme, pathname]);
}
