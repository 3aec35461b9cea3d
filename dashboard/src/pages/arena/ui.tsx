/** The arena's building blocks: session, theme, fields, notices, badges, pager. */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useState,
  type ReactNode,
} from "react";
import { Link } from "../../lib/router";
import { useTheme } from "../../lib/theme";
import { arena } from "./api";
import { closeArenaSocket } from "./live";
import type { Author, Difficulty, Id, Me } from "./types";

// ---- session -------------------------------------------------------------------------------

export type Session = {
  me: Me | null;
  /** true until the first GET /user/me answered. */
  loading: boolean;
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
};

export const SessionContext = createContext<Session>({
  me: null,
  loading: true,
  refresh: async () => null,
  signOut: async () => undefined,
});

export function useSession(): Session {
  return useContext(SessionContext);
}

export function useSessionState(): Session {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(async () => {
    try {
      const answer = await arena.me();
      const next = answer && answer.isAuthenticated ? answer : null;
      setMe(next);
      return next;
    } catch {
      setMe(null);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    try {
      await arena.logout();
    } finally {
      closeArenaSocket();
      setMe(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { me, loading, refresh, signOut };
}

export const isModerator = (me: Me | null) => me !== null && (me.role === "moderator" || me.role === "admin");

// ---- theme: the dashboard's one choice (lib/theme.ts), switched in the shell's header ------------

/** The effective scheme (for the editor's colours). */
export function useDark(): boolean {
  const [theme] = useTheme();
  const [systemDark, setSystemDark] = useState(() => window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false);
  useEffect(() => {
    const query = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!query) return undefined;
    const update = () => setSystemDark(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return theme === "dark" || (theme === "system" && systemDark);
}

// ---- pieces --------------------------------------------------------------------------------

export function Notice({ kind = "error", children, testId }: { kind?: "error" | "ok" | "info" | "warn"; children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <div className={`ar-notice ar-notice-${kind}`} role={kind === "error" ? "alert" : "status"} data-testid={testId}>
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="ar-loading" role="status" aria-live="polite">
      <span className="ar-spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="ar-empty" data-testid={testId}>
      <p className="ar-empty-title">{title}</p>
      {children && <div className="ar-empty-body">{children}</div>}
    </div>
  );
}

type FieldProps = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  hint?: ReactNode;
  autoComplete?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  placeholder?: string;
  testId?: string;
  autoFocus?: boolean;
  multiline?: number;
  mono?: boolean;
};

export function Field({ label, value, onChange, type = "text", hint, testId, multiline, mono, ...rest }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const common = {
    id,
    className: `ar-input${mono ? " ar-mono" : ""}`,
    value,
    "aria-describedby": hint ? hintId : undefined,
    "data-testid": testId,
    ...rest,
  };
  return (
    <div className="ar-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={multiline} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input {...common} type={type} onChange={(event) => onChange(event.target.value)} />
      )}
      {hint && (
        <small id={hintId} className="ar-hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function Select<T extends string>({
  label,
  value,
  onChange,
  options,
  testId,
  hideLabel,
}: {
  label: string;
  value: T;
  onChange: (value: T) => void;
  options: { value: T; label: string }[];
  testId?: string;
  hideLabel?: boolean;
}) {
  const id = useId();
  return (
    <div className={`ar-field${hideLabel ? " ar-field-inline" : ""}`}>
      <label htmlFor={id} className={hideLabel ? "ar-sr" : undefined}>
        {label}
      </label>
      <select id={id} className="ar-input ar-select" value={value} onChange={(event) => onChange(event.target.value as T)} data-testid={testId}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export const DIFFICULTIES: Difficulty[] = ["beginner", "intermediate", "advanced", "expert"];

export function DifficultyBadge({ difficulty }: { difficulty: string }) {
  return <span className={`ar-badge ar-diff-${difficulty}`}>{capital(difficulty)}</span>;
}

export function VisibilityBadge({ visibility }: { visibility: string }) {
  return (
    <span className={`ar-badge ar-vis-${visibility}`} data-testid="visibility-badge">
      {capital(visibility)}
    </span>
  );
}

export function capital(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1).replace(/_/g, " ") : text;
}

export function authorName(author: Author | Id | undefined | null): string {
  if (!author) return "unknown";
  return typeof author === "string" ? "unknown" : author.username;
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function relative(iso: string): string {
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(seconds)) return "";
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return formatDate(iso);
}

export function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

export function Pager({ page, totalPages, onPage, label }: { page: number; totalPages: number; onPage: (page: number) => void; label: string }) {
  if (totalPages <= 1) return null;
  return (
    <nav className="ar-pager" aria-label={label}>
      <button type="button" className="button ar-btn-s" disabled={page <= 1} onClick={() => onPage(page - 1)} data-testid="pager-prev">
        ← Previous
      </button>
      <span className="ar-muted" aria-live="polite">
        Page {page} of {totalPages}
      </span>
      <button type="button" className="button ar-btn-s" disabled={page >= totalPages} onClick={() => onPage(page + 1)} data-testid="pager-next">
        Next →
      </button>
    </nav>
  );
}

/** Shown in place of a page that needs an account. */
export function SignInFirst({ what }: { what: string }) {
  const next = encodeURIComponent(window.location.pathname);
  return (
    <div className="ar-card ar-signin-first" data-testid="signin-first">
      <h2>Sign in to {what}</h2>
      <p className="ar-muted">An arena account is free and takes a few seconds.</p>
      <div className="ar-row">
        <Link to={`/arena/login?next=${next}`} className="button primary">
          Sign in
        </Link>
        <Link to={`/arena/register?next=${next}`} className="button">
          Create an account
        </Link>
      </div>
    </div>
  );
}
