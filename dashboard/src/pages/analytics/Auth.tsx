/** First-run setup, sign-in, the forced password change and the account's password form. */
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { changePassword, login, setup, type AuthStatus } from "./api";
import { Field, Notice, errorMessage } from "./ui";

const MIN_PASSWORD = 12;
const SETUP_SECRET_HINT =
  "Enter the bootstrap password: SPARKLYTICS_BOOTSTRAP_PASSWORD if it is set, otherwise the one-time setup secret the server made at its first start. Its log shows the setup link, and `sparkhouse config` shows where the secret is kept (setup-secret in the data folder).";

function passwordProblem(password: string, confirm: string): string {
  if (password.trim().length === 0) return "Choose a password.";
  if (password.length < MIN_PASSWORD) return `The password needs at least ${MIN_PASSWORD} characters (${password.length} so far).`;
  if (password !== confirm) return "The two passwords differ: type the same password twice.";
  return "";
}

function AuthCard({ title, lede, children, testId }: { title: string; lede: ReactNode; children: ReactNode; testId: string }) {
  return (
    <div className="an-auth" data-testid={testId}>
      <div className="an-card an-auth-card">
        <div className="an-auth-head">
          <p className="eyebrow">Analytics</p>
          <h1>{title}</h1>
          <p className="an-lede">{lede}</p>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The bootstrap password carried by the one-time setup link the server logs (`/analytics#bootstrap=…`). */
function bootstrapFromLink(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get("bootstrap") ?? "";
}

/** Local mode, first run: the bootstrap password authorises choosing the admin password. */
export function SetupPage({ onDone }: { onDone: (password: string) => Promise<void> }) {
  const [bootstrap, setBootstrap] = useState(bootstrapFromLink);
  const [fromLink] = useState(() => bootstrapFromLink() !== "");
  useEffect(() => {
    // The secret leaves the address bar, and so the history, once it is in the form.
    if (bootstrapFromLink()) window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  }, []);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = passwordProblem(password, confirm);
    if (!bootstrap) return setError(SETUP_SECRET_HINT);
    if (problem) return setError(problem);
    setBusy(true);
    setError("");
    try {
      await setup(bootstrap, password);
      await onDone(password);
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <AuthCard
      testId="analytics-setup"
      title="Set up analytics"
      lede={
        fromLink
          ? "Create the admin password. The one-time setup link filled in the bootstrap password."
          : `Create the admin password. ${SETUP_SECRET_HINT}`
      }
    >
      <form className="an-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Bootstrap password"
          type="password"
          value={bootstrap}
          onChange={setBootstrap}
          autoComplete="off"
          testId="setup-bootstrap"
          autoFocus
        />
        <Field
          label="New admin password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          testId="setup-password"
        />
        <Field label="Repeat the password" type="password" value={confirm} onChange={setConfirm} autoComplete="new-password" testId="setup-confirm" />
        <Notice testId="setup-error">{error}</Notice>
        <button type="submit" className="button primary" disabled={busy} data-testid="setup-submit">
          {busy ? "Setting up…" : "Create admin password"}
        </button>
      </form>
    </AuthCard>
  );
}

export function LoginPage({ status, onDone }: { status: AuthStatus; onDone: () => Promise<void> }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!password) return setError("Enter the password.");
    setBusy(true);
    setError("");
    try {
      await login(password);
      await onDone();
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <AuthCard
      testId="analytics-login"
      title="Sign in"
      lede={
        status.mode === "password"
          ? "This server uses a shared password (SPARKLYTICS_PASSWORD)."
          : "Sign in with the admin password to see your websites' analytics."
      }
    >
      <form className="an-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          testId="login-password"
          autoFocus
        />
        <Notice testId="login-error">{error}</Notice>
        <button type="submit" className="button primary" disabled={busy} data-testid="login-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </AuthCard>
  );
}

/**
 * The password form. Success rotates the server's session secret, so the caller signs in again
 * with the new password (done here) before `onDone`.
 */
export function PasswordForm({
  onDone,
  knownCurrent,
  submitLabel = "Change password",
}: {
  onDone: () => Promise<void> | void;
  knownCurrent?: string;
  submitLabel?: string;
}) {
  const [current, setCurrent] = useState(knownCurrent ?? "");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState("");
  const [ok, setOk] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setOk("");
    if (!current) return setError("Enter the current password.");
    const problem = passwordProblem(password, confirm);
    if (problem) return setError(problem);
    if (password === current) return setError("The new password must differ from the current one.");
    setBusy(true);
    setError("");
    try {
      await changePassword(current, password);
      await login(password); // the change signed every session out, this one included
      setCurrent("");
      setPassword("");
      setConfirm("");
      setOk("Password changed. Other browsers and devices have been signed out.");
      await onDone();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="an-form" onSubmit={(event) => void submit(event)} noValidate data-testid="password-form">
      {knownCurrent === undefined && (
        <Field
          label="Current password"
          type="password"
          value={current}
          onChange={setCurrent}
          autoComplete="current-password"
          testId="password-current"
        />
      )}
      <Field
        label="New password"
        type="password"
        value={password}
        onChange={setPassword}
        autoComplete="new-password"
        hint={`At least ${MIN_PASSWORD} characters.`}
        testId="password-new"
      />
      <Field label="Repeat the new password" type="password" value={confirm} onChange={setConfirm} autoComplete="new-password" testId="password-confirm" />
      <Notice testId="password-error">{error}</Notice>
      <Notice kind="ok" testId="password-ok">
        {ok}
      </Notice>
      <div className="an-form-actions">
        <button type="submit" className="button primary" disabled={busy} data-testid="password-submit">
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** Setup used the default bootstrap password: the server wants a new password before anything else. */
export function ForcedChangePage({ knownCurrent, onDone }: { knownCurrent?: string; onDone: () => Promise<void> }) {
  return (
    <AuthCard
      testId="analytics-forced-change"
      title="Choose a new password"
      lede="This installation was set up with the publicly known bootstrap password “sparklytics”, so the server asks for a fresh password before showing any data."
    >
      <PasswordForm knownCurrent={knownCurrent} onDone={onDone} submitLabel="Save new password" />
    </AuthCard>
  );
}
