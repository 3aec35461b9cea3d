/** The websites list: one card per site with its pageviews sparkline (7 or 30 days), and the add form. */
import { useEffect, useState, type FormEvent } from "react";
import { Link, navigate } from "../../lib/router";
import { createWebsite, getPageviews, listWebsites, type SeriesPoint, type Website } from "./api";
import { Sparkline } from "./charts";
import { addDays, formatCount, today } from "./format";
import { Field, Notice, errorMessage, isAbort } from "./ui";

type Span = 7 | 30;

function SiteCard({ site, span }: { site: Website; span: Span }) {
  const [series, setSeries] = useState<SeriesPoint[] | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    const controller = new AbortController();
    const end = today();
    setError("");
    getPageviews(site.id, { start_date: addDays(end, -(span - 1)), end_date: end, granularity: "day" }, controller.signal)
      .then((result) => setSeries(result.data.series))
      .catch((caught: unknown) => {
        if (!isAbort(caught)) setError(errorMessage(caught));
      });
    return () => controller.abort();
  }, [site.id, span]);

  const total = series?.reduce((sum, point) => sum + point.pageviews, 0);
  return (
    <li className="an-card an-site" data-testid="website-card" data-site-id={site.id}>
      <div className="an-site-head">
        <div className="an-site-names">
          <h2 className="an-site-name">
            <Link to={`/analytics/sites/${encodeURIComponent(site.id)}`} className="an-site-link" data-testid="website-link">
              {site.name || site.domain}
            </Link>
          </h2>
          <p className="an-muted an-mono">{site.domain}</p>
        </div>
        <div className="an-site-total">
          <span className="an-site-number" data-testid="website-pageviews">
            {total === undefined ? "—" : formatCount(total)}
          </span>
          <span className="an-muted">pageviews · {span} d</span>
        </div>
      </div>
      {error ? (
        <p className="an-muted an-small">{error}</p>
      ) : series ? (
        <Sparkline series={series} label={`${site.name}: ${formatCount(total ?? 0)} pageviews over the last ${span} days`} />
      ) : (
        <div className="an-sparkline an-skeleton" aria-hidden="true" />
      )}
      <div className="an-site-foot">
        <Link to={`/analytics/sites/${encodeURIComponent(site.id)}/tracking`}>Tracking code</Link>
        <Link to={`/analytics/sites/${encodeURIComponent(site.id)}/share`}>Share</Link>
        <Link to={`/analytics/sites/${encodeURIComponent(site.id)}/settings`} data-testid="website-settings-link">
          Settings
        </Link>
      </div>
    </li>
  );
}

function AddWebsite({ onAdded, autoOpen }: { onAdded: (site: Website) => void; autoOpen: boolean }) {
  const [open, setOpen] = useState(autoOpen);
  const [name, setName] = useState("");
  const [domain, setDomain] = useState("");
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => setOpen((value) => value || autoOpen), [autoOpen]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) return setError("Give the website a name (shown in this dashboard only).");
    if (!domain.trim()) return setError("Enter the domain, e.g. example.com (no https://, no path).");
    setBusy(true);
    setError("");
    try {
      const site = await createWebsite({ name: name.trim(), domain: domain.trim(), timezone: timezone.trim() || undefined });
      setName("");
      setDomain("");
      setOpen(false);
      onAdded(site);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <button type="button" className="button primary an-self-start" onClick={() => setOpen(true)} data-testid="add-website-open">
        + Add website
      </button>
    );
  }
  return (
    <section className="an-card an-add" aria-labelledby="add-title">
      <header className="an-card-head">
        <h2 id="add-title">Add a website</h2>
      </header>
      <form className="an-form an-form-grid" onSubmit={(event) => void submit(event)} noValidate data-testid="add-website-form">
        <Field label="Name" value={name} onChange={setName} placeholder="My blog" testId="website-name" autoFocus />
        <Field
          label="Domain"
          value={domain}
          onChange={setDomain}
          placeholder="example.com"
          hint="Host name only: no https://, path or port."
          testId="website-domain"
        />
        <Field label="Timezone" value={timezone} onChange={setTimezone} hint="IANA name, e.g. Europe/Berlin." testId="website-timezone" />
        <Notice testId="add-website-error">{error}</Notice>
        <div className="an-form-actions">
          <button type="submit" className="button primary" disabled={busy} data-testid="add-website-submit">
            {busy ? "Adding…" : "Add website"}
          </button>
          <button type="button" className="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

export function WebsitesPage() {
  const [sites, setSites] = useState<Website[] | null>(null);
  const [error, setError] = useState("");
  const [span, setSpan] = useState<Span>(7);

  useEffect(() => {
    let active = true;
    listWebsites()
      .then((list) => active && setSites(list))
      .catch((caught: unknown) => active && setError(errorMessage(caught)));
    return () => {
      active = false;
    };
  }, []);

  return (
    <div className="an-page" data-testid="websites-page">
      <div className="an-page-head an-page-head-row">
        <div>
          <h1>Websites</h1>
          <p className="an-lede">Cookie-less analytics for every site you track.</p>
        </div>
        {sites && sites.length > 0 && (
          <div className="an-segmented" role="group" aria-label="Sparkline period">
            {([7, 30] as Span[]).map((value) => (
              <button
                key={value}
                type="button"
                aria-pressed={span === value}
                className="an-segment"
                onClick={() => setSpan(value)}
                data-testid={`span-${value}`}
              >
                {value} days
              </button>
            ))}
          </div>
        )}
      </div>
      <Notice>{error}</Notice>
      <AddWebsite
        autoOpen={sites !== null && sites.length === 0}
        onAdded={(site) => {
          setSites((list) => [...(list ?? []), site]);
          navigate(`/analytics/sites/${encodeURIComponent(site.id)}/tracking?new=1`);
        }}
      />
      {sites === null && !error ? (
        <p className="an-muted">Loading websites…</p>
      ) : sites && sites.length === 0 ? (
        <div className="an-card an-empty-state">
          <h2>No websites yet</h2>
          <p className="an-muted">Add your first website above, then paste its tracking code into your pages.</p>
        </div>
      ) : (
        <ul className="an-sites" data-testid="websites-list">
          {sites?.map((site) => (
            <SiteCard key={site.id} site={site} span={span} />
          ))}
        </ul>
      )}
    </div>
  );
}
