/** The theme toggle of the analytics and share pages. The theme itself is app-wide
 * (lib/theme.ts, applied by the shell): this toggle and the header's change the same choice. */
import { useTheme as useAppTheme, type Theme } from "../../lib/theme";

export type { Theme };

/** The theme and its setter (the app-wide one). */
export const useTheme = useAppTheme;

/** Kept for the pages that call it: the shell applies the theme on every page now, so leaving
 * analytics no longer drops it. */
export function useApplyTheme(): void {}

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
