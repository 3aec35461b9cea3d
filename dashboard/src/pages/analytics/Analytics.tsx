/**
 * /analytics/*: the auth gate (GET /api/auth/status → setup, sign-in, forced password change)
 * and the signed-in shell with its pages:
 *
 *   /analytics                        websites list
 *   /analytics/sites/:id              site dashboard
 *   /analytics/sites/:id/tracking     tracking code
 *   /analytics/sites/:id/share        share link
 *   /analytics/sites/:id/settings     edit / delete the website
 *   /analytics/keys                   API keys
 *   /analytics/account                password, sign out everywhere
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, matchPath, navigate, usePathname } from "../../lib/router";
import { authStatus, login, logout, logoutEverywhere, onAuthLost, type AuthStatus } from "./api";
import { ForcedChangePage, LoginPage, PasswordForm, SetupPage } from "./Auth";
import { ApiKeysPage } from "./ApiKeys";
import { SiteDashboard } from "./SiteDashboard";
import { SharePage, SiteSettingsPage, TrackingPage } from "./SiteSettings";
import { useApplyTheme } from "./theme";
import { Notice, errorMessage, useViewTitle } from "./ui";
import { WebsitesPage } from "./Websites";
import "./analytics.css";

/** Ends every session, everywhere: for a lost laptop, or a password seen by someone else. */
function SignOutEverywhere({ onSignedOut }: { onSignedOut: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  async function signOutEverywhere() {
    setBusy(true);
    setError("");
    try {
      await logoutEverywhere();
      onSignedOut();
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <section className="an-card an-narrow" aria-labelledby="sessions-title">
      <header className="an-card-head">
        <h2 id="sessions-title">Sessions</h2>
      </header>
      <p className="an-muted">
        Sign out of every browser and device that is signed in, this one included. API keys keep working: revoke them on the API keys page.
      </p>
      <Notice testId="logout-everywhere-error">{error}</Notice>
      <div className="an-form-actions">
        {confirming ? (
          <span className="an-confirm">
            <button
              type="button"
              className="button an-danger-solid"
              onClick={() => void signOutEverywhere()}
              disabled={busy}
              data-testid="logout-everywhere-confirm"
            >
              {busy ? "Signing out…" : "Sign out everywhere"}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="button an-danger" onClick={() => setConfirming(true)} data-testid="logout-everywhere">
            Sign out everywhere…
          </button>
        )}
      </div>
    </section>
  );
}

function AccountPage({ status, onSignedOut }: { status: AuthStatus; onSignedOut: () => void }) {
  return (
    <div className="an-page" data-testid="account-page">
      <div className="an-page-head">
        <h1>Account</h1>
        <p className="an-lede">Signed in as the administrator ({status.mode === "local" ? "local password" : "shared password"}).</p>
      </div>
      <section className="an-card an-narrow" aria-labelledby="password-title">
        <header className="an-card-head">
          <h2 id="password-title">Change password</h2>
        </header>
        {status.mode === "password" ? (
          <p className="an-muted">This server uses a shared password from its configuration: change SPARKLYTICS_PASSWORD there and restart.</p>
        ) : (
          <PasswordForm onDone={() => undefined} />
        )}
      </section>
      <SignOutEverywhere onSignedOut={onSignedOut} />
    </div>
  );
}

function Shell({ status, onSignedOut }: { status: AuthStatus; onSignedOut: () => void }) {
  const pathname = usePathname();
  const [busy, setBusy] = useState(false);
  const auth = status.mode !== "none";

  async function signOut() {
    setBusy(true);
    try {
      await logout();
    } catch {
      // the cookie may already be gone: signed out either way
    }
    setBusy(false);
    onSignedOut();
  }

  let page;
  let params: Record<string, string> | null;
  if ((params = matchPath("/analytics/sites/:id", pathname))) page = <SiteDashboard key={params.id} siteId={params.id!} />;
  else if ((params = matchPath("/analytics/sites/:id/tracking", pathname))) page = <TrackingPage siteId={params.id!} />;
  else if ((params = matchPath("/analytics/sites/:id/share", pathname))) page = <SharePage siteId={params.id!} />;
  else if ((params = matchPath("/analytics/sites/:id/settings", pathname))) page = <SiteSettingsPage siteId={params.id!} />;
  else if (matchPath("/analytics/keys", pathname) && auth) page = <ApiKeysPage />;
  else if (matchPath("/analytics/account", pathname) && auth) page = <AccountPage status={status} onSignedOut={onSignedOut} />;
  else if (matchPath("/analytics", pathname)) page = <WebsitesPage />;
  else
    page = (
      <div className="an-page">
        <h1>Not found</h1>
        <p>
          <Link to="/analytics">Back to the websites</Link>
        </p>
      </div>
    );

  const section = pathname.startsWith("/analytics/keys") ? "keys" : pathname.startsWith("/analytics/account") ? "account" : "sites";
  // a website's pages title themselves with its name once it is known
  const sectionTitles: Record<string, string> = { "/analytics": "Websites", "/analytics/keys": "API keys", "/analytics/account": "Account" };
  const sectionTitle = sectionTitles[pathname.replace(/\/$/, "") || "/analytics"];
  useViewTitle(sectionTitle ? `${sectionTitle} · Analytics` : null);

  return (
    <div className="an-root" data-testid="analytics-shell">
      <div className="an-topbar">
        <nav className="an-nav" aria-label="Analytics">
          <Link to="/analytics" className="an-nav-link" aria-current={section === "sites" ? "page" : undefined} data-testid="nav-websites">
            Websites
          </Link>
          {auth && (
            <Link to="/analytics/keys" className="an-nav-link" aria-current={section === "keys" ? "page" : undefined} data-testid="nav-keys">
              API keys
            </Link>
          )}
          {auth && (
            <Link to="/analytics/account" className="an-nav-link" aria-current={section === "account" ? "page" : undefined} data-testid="nav-account">
              Account
            </Link>
          )}
        </nav>
        <div className="an-topbar-actions">
          {auth && (
            <button type="button" className="button an-button-s" onClick={() => void signOut()} disabled={busy} data-testid="logout">
              Sign out
            </button>
          )}
        </div>
      </div>
      {page}
    </div>
  );
}

export default function Analytics() {
  const [status, setStatus] = useState<AuthStatus | null>(null);
  const [error, setError] = useState("");
  useApplyTheme(); // applies the chosen theme to the whole page while analytics is open
  // The password chosen at setup, so the forced change does not ask for it again.
  const justSet = useRef<string | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      setStatus(await authStatus());
      setError("");
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onAuthLost(() => void refresh());
  }, [refresh]);

  if (error && !status) {
    return (
      <div className="an-root an-page">
        <h1>Analytics</h1>
        <Notice>{error}</Notice>
        <div>
          <button type="button" className="button" onClick={() => void refresh()}>
            Retry
          </button>
        </div>
      </div>
    );
  }
  if (!status) return <p className="an-root an-muted">Loading…</p>;

  if (status.setup_required) {
    return (
      <SetupPage
        onDone={async (password) => {
          justSet.current = password;
          await login(password);
          await refresh();
        }}
      />
    );
  }
  if (!status.authenticated) return <LoginPage status={status} onDone={refresh} />;
  if (status.password_change_required) {
    return (
      <ForcedChangePage
        knownCurrent={justSet.current}
        onDone={async () => {
          justSet.current = undefined;
          await refresh();
        }}
      />
    );
  }
  return (
    <Shell
      status={status}
      onSignedOut={() => {
        navigate("/analytics", { replace: true });
        void refresh();
      }}
    />
  );
}
