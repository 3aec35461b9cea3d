/** API keys: create (the raw key is shown once), list, revoke. */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { createKey, listKeys, revokeKey, type ApiKey, type CreatedKey, type Pagination } from "./api";
import { formatTimestamp } from "./format";
import { CopyButton, Field, Notice, errorMessage } from "./ui";

const PAGE = 20;

export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [pagination, setPagination] = useState<Pagination | null>(null);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const [createError, setCreateError] = useState("");
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<string | null>(null);

  const load = useCallback(async (from: number) => {
    try {
      const result = await listKeys(PAGE, from);
      setKeys(result.data);
      setPagination(result.pagination);
      setError("");
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);

  useEffect(() => {
    void load(offset);
  }, [load, offset]);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) return setCreateError("Name the key after what will use it, e.g. “CI export”.");
    setBusy(true);
    setCreateError("");
    try {
      setCreated(await createKey(name.trim()));
      setName("");
      setOffset(0);
      await load(0);
    } catch (caught) {
      setCreateError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    setBusy(true);
    try {
      await revokeKey(id);
      setConfirm(null);
      await load(offset);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="an-page" data-testid="keys-page">
      <div className="an-page-head">
        <h1>API keys</h1>
        <p className="an-lede">
          Keys read and manage websites and their analytics from scripts: send <code>Authorization: Bearer &lt;key&gt;</code>. They
          cannot manage passwords or keys.
        </p>
      </div>

      <section className="an-card an-narrow" aria-labelledby="new-key-title">
        <header className="an-card-head">
          <h2 id="new-key-title">Create a key</h2>
        </header>
        <form className="an-form an-inline-form" onSubmit={(event) => void create(event)} noValidate>
          <Field label="Name" value={name} onChange={setName} placeholder="CI export" testId="key-name" />
          <button type="submit" className="button primary" disabled={busy} data-testid="key-create">
            Create key
          </button>
        </form>
        <Notice>{createError}</Notice>
        {created && (
          <div className="an-secret" role="status" data-testid="key-created">
            <p>
              <strong>Copy the key “{created.name}” now.</strong> It is shown only this once; the server keeps only a hash.
            </p>
            <div className="an-copy-row">
              <input className="an-input an-mono" readOnly value={created.key} aria-label="New API key" data-testid="key-raw" />
              <CopyButton text={created.key} label="Copy key" testId="key-copy" />
            </div>
            <button type="button" className="an-link-button" onClick={() => setCreated(null)}>
              I have stored it — hide
            </button>
          </div>
        )}
      </section>

      <section className="an-card an-table-card" aria-labelledby="keys-title">
        <header className="an-card-head">
          <h2 id="keys-title">Keys</h2>
          {pagination?.total !== undefined && <span className="an-muted an-small">{pagination.total} in total</span>}
        </header>
        <Notice>{error}</Notice>
        {keys === null ? (
          <p className="an-empty">Loading…</p>
        ) : keys.length === 0 ? (
          <p className="an-empty">No keys yet.</p>
        ) : (
          <div className="an-scroll">
            <table className="an-table an-table-plain" data-testid="keys-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="an-visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id} data-testid="key-row" data-key-id={key.id} className={key.revoked_at ? "an-revoked" : undefined}>
                    <td>{key.name}</td>
                    <td className="an-mono">{key.key_prefix}…</td>
                    <td>{formatTimestamp(key.created_at)}</td>
                    <td>{key.last_used_at ? formatTimestamp(key.last_used_at) : "Never"}</td>
                    <td className="an-actions-cell">
                      {key.revoked_at ? (
                        <span className="an-badge">Revoked</span>
                      ) : confirm === key.id ? (
                        <span className="an-confirm">
                          <button type="button" className="button an-button-s an-danger-solid" onClick={() => void revoke(key.id)} disabled={busy} data-testid="key-revoke-confirm">
                            Revoke
                          </button>
                          <button type="button" className="button an-button-s" onClick={() => setConfirm(null)}>
                            Keep
                          </button>
                        </span>
                      ) : (
                        <button type="button" className="button an-button-s an-danger" onClick={() => setConfirm(key.id)} data-testid="key-revoke" aria-label={`Revoke ${key.name}`}>
                          Revoke…
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pagination && (offset > 0 || pagination.has_more) && (
          <div className="an-pager">
            <button type="button" className="button an-button-s" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              ← Newer
            </button>
            <button type="button" className="button an-button-s" disabled={!pagination.has_more} onClick={() => setOffset(offset + PAGE)}>
              Older →
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
