import { useTheme, type Theme } from "../lib/theme";

const OPTIONS: { id: Theme; label: string; icon: string }[] = [
  { id: "system", label: "System", icon: "◐" },
  { id: "light", label: "Light", icon: "☀" },
  { id: "dark", label: "Dark", icon: "☾" },
];

/** The header's theme switch: three small buttons, the chosen one pressed. It changes the same
 * app-wide choice as the analytics pages' toggle (lib/theme.ts). */
export function ThemeSwitch() {
  const [theme, setTheme] = useTheme();
  return (
    <div className="theme-switch" role="group" aria-label="Colour theme" data-testid="site-theme">
      {OPTIONS.map((option) => (
        <button
          key={option.id}
          type="button"
          className="theme-switch-option"
          aria-pressed={theme === option.id}
          aria-label={`${option.label} theme`}
          title={`${option.label} theme`}
          onClick={() => setTheme(option.id)}
          data-testid={`site-theme-${option.id}`}
        >
          <span aria-hidden="true">{option.icon}</span>
        </button>
      ))}
    </div>
  );
}
