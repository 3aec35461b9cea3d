/** Sign in and registration (the `token` cookie). */
import { useState, type FormEvent } from "react";
import { Link, navigate } from "../../lib/router";
import { arena, errorText } from "./api";
import { closeArenaSocket } from "./live";
import { Field, Notice, useSession } from "./ui";

const PASSWORD_MIN = 14;

function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get("next") ?? "";
  return next.startsWith("/arena") ? next : "/arena";
}

function AuthShell({ title, lede, children, testId }: { title: string; lede: string; children: React.ReactNode; testId: string }) {
  return (
    <div className="ar-auth" data-testid={testId}>
      <div className="ar-card ar-auth-card">
        <p className="eyebrow">Arena</p>
        <h1>{title}</h1>
        <p className="ar-muted">{lede}</p>
        {children}
      </div>
    </div>
  );
}

export function Login() {
  const { refresh } = useSession();
  const [identifier, setIdentifier] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!identifier.trim() || !password) return setError("Enter your username (or email) and your password.");
    setBusy(true);
    setError("");
    try {
      await arena.login(identifier.trim(), password);
      closeArenaSocket();
      await refresh();
      navigate(nextPath());
    } catch (caught) {
      setError(`${errorText(caught)} Check both fields and try again.`);
      setBusy(false);
    }
  }

  return (
    <AuthShell testId="arena-login" title="Sign in" lede="Solve puzzles, play live games and climb the leaderboard.">
      <form className="ar-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Username or email" value={identifier} onChange={setIdentifier} autoComplete="username" testId="login-identifier" autoFocus />
        <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="current-password" testId="login-password" />
        <Notice testId="login-error">{error}</Notice>
        <button type="submit" className="button primary" disabled={busy} data-testid="login-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="ar-muted ar-small">
          New here? <Link to={`/arena/register${window.location.search}`}>Create an account</Link>
        </p>
      </form>
    </AuthShell>
  );
}

export function Register() {
  const { refresh } = useSession();
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  function problem(): string {
    if (!/^[A-Za-z0-9_-]{3,20}$/.test(username)) return "Choose a username of 3–20 letters, digits, _ or -.";
    if (!/^\S+@\S+\.\S+$/.test(email.trim())) return "Enter an email address such as you@example.org.";
    if (password.length < PASSWORD_MIN) return `The password needs at least ${PASSWORD_MIN} characters (${password.length} so far).`;
    return "";
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = problem();
    if (found) return setError(found);
    setBusy(true);
    setError("");
    try {
      await arena.register(email.trim(), username, password);
      closeArenaSocket();
      await refresh();
      navigate(nextPath());
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  }

  return (
    <AuthShell testId="arena-register" title="Create your account" lede="Free, and it takes a few seconds. Your email is never shown to anyone.">
      <form className="ar-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Username" value={username} onChange={setUsername} autoComplete="username" hint="3–20 letters, digits, _ or -; shown on the leaderboard." testId="register-username" autoFocus />
        <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="email" testId="register-email" />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN} characters; a short sentence works well.`}
          testId="register-password"
        />
        <Notice testId="register-error">{error}</Notice>
        <button type="submit" className="button primary" disabled={busy} data-testid="register-submit">
          {busy ? "Creating your account…" : "Create account"}
        </button>
        <p className="ar-muted ar-small">
          Already have an account? <Link to={`/arena/login${window.location.search}`}>Sign in</Link>
        </p>
      </form>
    </AuthShell>
  );
}
