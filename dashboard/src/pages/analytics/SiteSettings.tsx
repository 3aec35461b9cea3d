/** A website's tracking code, share link and settings (edit / delete). */
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { Link, navigate } from "../../lib/router";
import { createShare, deleteShare, deleteWebsite, getRealtime, getWebsite, updateWebsite, type Website } from "./api";
import { Breadcrumb, CopyButton, Field, Notice, errorMessage, isAbort, useViewTitle } from "./ui";

function useWebsite(siteId: string): { site: Website | null; error: string; setSite: (site: Website) => void } {
  const [site, setSite] = useState<Website | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let active = true;
    getWebsite(siteId)
      .then((value) => active && setSite(value))
      .catch((caught: unknown) => active && setError(errorMessage(caught)));
    return () => {
      active = false;
    };
  }, [siteId]);
  return { site, error, setSite };
}

function SitePage({ siteId, site, title, error, children, testId }: { siteId: string; site: Website | null; title: string; error: string; children: ReactNode; testId: string }) {
  const base = `/analytics/sites/${encodeURIComponent(siteId)}`;
  useViewTitle(site ? `${title} · ${site.name} · Analytics` : null);
  return (
    <div className="an-page" data-testid={testId}>
      <div className="an-page-head">
        <Breadcrumb
          trail={[
            { to: "/analytics", label: "Websites" },
            { to: base, label: site?.name ?? siteId },
          ]}
          current={title}
        />
        <h1>{title}</h1>
      </div>
      {error ? <Notice>{error}</Notice> : site ? children : <p className="an-muted">Loading…</p>}
    </div>
  );
}

const FIRST_PAGEVIEW_POLL_MS = 3000;

/**
 * Right after a website is added: "waiting for the first pageview" until the realtime route
 * (the last 30 minutes, bots included: any pageview proves the snippet works) shows one.
 */
function FirstPageview({ siteId }: { siteId: string }) {
  const [arrived, setArrived] = useState(false);
  useEffect(() => {
    if (arrived) return;
    const controller = new AbortController();
    let timer = 0;
    const poll = async () => {
      try {
        const realtime = await getRealtime(siteId, controller.signal, { include_bots: "true" });
        if (realtime.recent_events.some((event) => event.event_type === "pageview")) {
          setArrived(true);
          return;
        }
      } catch (caught) {
        if (isAbort(caught)) return;
        // a failed poll is retried: the notice keeps waiting
      }
      timer = window.setTimeout(poll, FIRST_PAGEVIEW_POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [siteId, arrived]);
  return arrived ? (
    <Notice kind="ok" testId="first-pageview">
      First pageview received: the snippet works. <Link to={`/analytics/sites/${encodeURIComponent(siteId)}`}>Open the dashboard</Link>
    </Notice>
  ) : (
    <Notice kind="info" testId="first-pageview">
      Waiting for the first pageview… Open a page that has the snippet; this updates by itself.
    </Notice>
  );
}

export function TrackingPage({ siteId }: { siteId: string }) {
  const { site, error } = useWebsite(siteId);
  const fresh = new URLSearchParams(window.location.search).has("new");
  const snippet = site?.tracking_snippet ?? "";
  const scriptOrigin = (() => {
    const src = /src="([^"]+)"/.exec(snippet)?.[1];
    try {
      return src ? new URL(src, window.location.href).origin : "";
    } catch {
      return "";
    }
  })();
  const eventCode = `<button onclick="window.sparklytics?.track('signup', { plan: 'pro' })">Sign up</button>`;
  return (
    <SitePage siteId={siteId} site={site} title="Tracking code" error={error} testId="tracking-page">
      {fresh && <Notice kind="ok">Website added. Paste this snippet into your pages and the first visits show up within seconds.</Notice>}
      {fresh && site && <FirstPageview siteId={siteId} />}
      <section className="an-card" aria-labelledby="snippet-title">
        <header className="an-card-head">
          <h2 id="snippet-title">Add this to the &lt;head&gt; of every page</h2>
          <CopyButton text={snippet} label="Copy snippet" testId="copy-snippet" />
        </header>
        <pre className="an-code" tabIndex={0} data-testid="tracking-snippet">
          <code>{snippet}</code>
        </pre>
        <p className="an-muted an-small">
          The script sets no cookies and respects Do Not Track. Website id: <code className="an-mono">{site?.id}</code>
        </p>
        {scriptOrigin && scriptOrigin !== window.location.origin && (
          <Notice kind="info" testId="snippet-origin-hint">
            The snippet loads the tracker from {scriptOrigin}, while you are using {window.location.origin}. If your sites
            cannot reach {scriptOrigin}, set SPARKLYTICS_TRACKING_PUBLIC_BASE (or SPARKLYTICS_PUBLIC_URL) on the server to its
            public address.
          </Notice>
        )}
      </section>
      <section className="an-card" aria-labelledby="events-title">
        <header className="an-card-head">
          <h2 id="events-title">Custom events (optional)</h2>
          <CopyButton text={eventCode} label="Copy example" />
        </header>
        <pre className="an-code" tabIndex={0}>
          <code>{eventCode}</code>
        </pre>
      </section>
      <p>
        <Link to={`/analytics/sites/${encodeURIComponent(siteId)}`} className="button primary">
          Open the dashboard
        </Link>
      </p>
    </SitePage>
  );
}

export function SharePage({ siteId }: { siteId: string }) {
  const { site, error, setSite } = useWebsite(siteId);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState("");
  const [actionError, setActionError] = useState("");
  const shareId = site?.share_id ?? null;
  const url = shareId ? `${window.location.origin}/share/${shareId}` : "";

  async function enable() {
    if (!site) return;
    setBusy(true);
    setActionError("");
    try {
      const result = await createShare(siteId);
      setSite({ ...site, share_id: result.share_id });
      setNotice("Share link created. Anyone with the link can see this website's dashboard (read-only).");
    } catch (caught) {
      setActionError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  async function disable() {
    if (!site) return;
    setBusy(true);
    setActionError("");
    try {
      await deleteShare(siteId);
      setSite({ ...site, share_id: null });
      setNotice("Share link removed. The old link no longer works.");
    } catch (caught) {
      setActionError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <SitePage siteId={siteId} site={site} title="Share link" error={error} testId="share-page">
      <section className="an-card an-narrow" aria-labelledby="share-title">
        <header className="an-card-head">
          <h2 id="share-title">Public, read-only dashboard</h2>
        </header>
        <p className="an-muted">
          A share link shows the KPIs, traffic chart and top pages, sources and technology of this website to anyone who has
          it — without signing in and without filters, exports or settings.
        </p>
        {shareId ? (
          <>
            <div className="an-copy-row">
              <input className="an-input an-mono" readOnly value={url} aria-label="Share URL" data-testid="share-url" />
              <CopyButton text={url} label="Copy link" testId="copy-share" />
            </div>
            <div className="an-form-actions">
              <a className="button" href={url} target="_blank" rel="noreferrer">
                Open ↗
              </a>
              <button type="button" className="button an-danger" onClick={() => void disable()} disabled={busy} data-testid="share-remove">
                Remove share link
              </button>
            </div>
          </>
        ) : (
          <div className="an-form-actions">
            <button type="button" className="button primary" onClick={() => void enable()} disabled={busy} data-testid="share-create">
              Create share link
            </button>
          </div>
        )}
        <Notice kind="ok" testId="share-notice">
          {notice}
        </Notice>
        <Notice>{actionError}</Notice>
      </section>
    </SitePage>
  );
}

export function SiteSettingsPage({ siteId }: { siteId: string }) {
  const { site, error, setSite } = useWebsite(siteId);
  const [name, setName] = useState("");
  const [domain, setDomain] = useState("");
  const [timezone, setTimezone] = useState("");
  const [saveError, setSaveError] = useState("");
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState("");

  useEffect(() => {
    if (!site) return;
    setName(site.name);
    setDomain(site.domain);
    setTimezone(site.timezone);
  }, [site]);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!site) return;
    if (!name.trim()) return setSaveError("The name cannot be empty.");
    setBusy(true);
    setSaveError("");
    setSaved("");
    try {
      const updated = await updateWebsite(siteId, { name: name.trim(), domain: domain.trim(), timezone: timezone.trim() || undefined });
      setSite({ ...site, ...updated });
      setSaved("Saved.");
    } catch (caught) {
      setSaveError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setDeleteError("");
    try {
      await deleteWebsite(siteId);
      navigate("/analytics", { replace: true });
    } catch (caught) {
      setDeleteError(errorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <SitePage siteId={siteId} site={site} title="Website settings" error={error} testId="settings-page">
      <section className="an-card an-narrow" aria-labelledby="edit-title">
        <header className="an-card-head">
          <h2 id="edit-title">Details</h2>
        </header>
        <form className="an-form" onSubmit={(event) => void save(event)} noValidate data-testid="edit-website-form">
          <Field label="Name" value={name} onChange={setName} testId="edit-name" />
          <Field label="Domain" value={domain} onChange={setDomain} hint="Host name only: no https://, path or port." testId="edit-domain" />
          <Field label="Timezone" value={timezone} onChange={setTimezone} hint="IANA name, e.g. Europe/Berlin." testId="edit-timezone" />
          <Notice>{saveError}</Notice>
          <Notice kind="ok" testId="edit-saved">
            {saved}
          </Notice>
          <div className="an-form-actions">
            <button type="submit" className="button primary" disabled={busy} data-testid="edit-save">
              Save changes
            </button>
          </div>
        </form>
      </section>
      <section className="an-card an-narrow an-danger-zone" aria-labelledby="delete-title">
        <header className="an-card-head">
          <h2 id="delete-title">Delete website</h2>
        </header>
        <p className="an-muted">Deletes the website and all of its events, sessions, goals and its share link. This cannot be undone.</p>
        {confirming ? (
          <div className="an-form-actions" role="group" aria-label="Confirm deletion">
            <button type="button" className="button an-danger-solid" onClick={() => void remove()} disabled={busy} data-testid="delete-confirm" autoFocus>
              Delete {site?.domain} permanently
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <div className="an-form-actions">
            <button type="button" className="button an-danger" onClick={() => setConfirming(true)} data-testid="delete-website">
              Delete website…
            </button>
          </div>
        )}
        <Notice>{deleteError}</Notice>
      </section>
    </SitePage>
  );
}
