/** Light / dark / system theme for the analytics pages (data-theme on <html>, kept in localStorage). */
import { useEffect, useSyncExternalStore } from "react";

export type Theme = "system" | "light" | "dark";
const KEY = "sparkhouse.analytics.theme";
const listeners = new Set<() => void>();

function read(): Theme {
  try {
    const value = window.localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

let current: Theme = typeof window === "undefined" ? "system" : read();

function setTheme(next: Theme): void {
  current = next;
  try {
    if (next === "system") window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, next);
  } catch {
    // storage disabled: the choice lasts for this page
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The theme and its setter. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(subscribe, () => current, () => "system" as Theme);
  return [theme, setTheme];
}

/** Call once per page tree: while mounted, <html data-theme> follows the theme. */
export function useApplyTheme(): void {
  const [theme] = useTheme();
  useEffect(() => {
    const root = document.documentElement;
    if (theme === "system") delete root.dataset.theme;
    else root.dataset.theme = theme;
    return () => {
      delete root.dataset.theme;
    };
  }, [theme]);
}

const OPTIONS: { id: Theme; label: string; icon: string }[] = [
  { id: "system", label: "System", icon: "◐" },
  { id: "light", label: "Light", icon: "☀" },
  { id: "dark", label: "Dark", icon: "☾" },
];

export function ThemeToggle({ theme, onChange }: { theme: Theme; onChange: (theme: Theme) => void }) {
  return (
    <div className="an-segmented" role="group" aria-label="Colour theme" data-testid="theme-toggle">
      {OPTIONS.map((option) => (
        <button
          key={option.id}
          type="button"
          aria-pressed={theme === option.id}
          className="an-segment"
          onClick={() => onChange(option.id)}
          title={`${option.label} theme`}
          aria-label={`${option.label} theme`}
          data-testid={`theme-${option.id}`}
        >
          <span aria-hidden="true">{option.icon}</span>
          <span className="an-segment-label">{option.label}</span>
        </button>
      ))}
    </div>
  );
}
