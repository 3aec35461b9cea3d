/** A breakdown's full list ("More" under a card): every row, searchable, a page at a time. */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { getMetrics, type MetricRow, type MetricType, type Query } from "./api";
import { countryName, formatCount, productName } from "./format";
import { Notice, displayValue, errorMessage, isAbort, pagePath } from "./ui";

const API_PAGE = 100; // the most /metrics gives at once
const MOST_ROWS = 2000; // read at most this many: search runs in the browser
const PAGE = 25;

/** What a search matches: the value as sent and as shown (a country's name, a page's path). */
function searchable(type: MetricType, value: string): string {
  const shown =
    type === "country"
      ? countryName(value)
      : type === "page"
        ? pagePath(value)
        : type === "os" || type === "browser" || type === "device"
          ? productName(type, value)
          : "";
  return `${value} ${shown}`.toLowerCase();
}

export function MoreDialog({
  siteId,
  type,
  title,
  column,
  query,
  queryKey,
  valueKey,
  valueLabel,
  preloaded,
  onPick,
  onClose,
}: {
  siteId: string;
  type: MetricType;
  title: string;
  column: string;
  query: Query;
  /** stands for ``query`` (a new object on every render of the dashboard) */
  queryKey: string;
  valueKey: "visitors" | "pageviews";
  /** the number column's heading (default: Views or Visitors) */
  valueLabel?: string;
  /** every row already at hand (custom events: /events gives them all): nothing to read */
  preloaded?: MetricRow[];
  onPick?: (type: MetricType, value: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const searchId = useId();
  const [rows, setRows] = useState<MetricRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState("");
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(0);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    if (preloaded) {
      setRows(preloaded);
      setTotal(preloaded.length);
      return;
    }
    const controller = new AbortController();
    (async () => {
      const found: MetricRow[] = [];
      for (let offset = 0; offset < MOST_ROWS; offset += API_PAGE) {
        const result = await getMetrics(siteId, type, { ...query, limit: API_PAGE, offset }, controller.signal);
        found.push(...result.data.rows);
        setTotal(result.pagination.total ?? found.length);
        if (!result.pagination.has_more) break;
      }
      setRows(found);
    })().catch((caught: unknown) => {
      if (!isAbort(caught)) setError(errorMessage(caught));
    });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- queryKey stands for query
  }, [siteId, type, queryKey]);

  const matching = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? (rows ?? []).filter((row) => searchable(type, row.value).includes(needle)) : (rows ?? []);
  }, [rows, search, type]);
  const pages = Math.max(1, Math.ceil(matching.length / PAGE));
  const shown = matching.slice(page * PAGE, page * PAGE + PAGE);
  const max = Math.max(1, ...(rows ?? []).map((row) => row[valueKey]));
  const other = valueKey === "visitors" ? "pageviews" : "visitors";
  const otherLabel = other === "pageviews" ? "Views" : "Visitors";

  function pick(value: string) {
    onPick?.(type, value);
    ref.current?.close();
  }

  return (
    <dialog ref={ref} className="an-dialog an-more" aria-labelledby={titleId} onClose={onClose} data-testid="more-dialog" data-type={type}>
      <header className="an-dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="an-link-button" onClick={() => ref.current?.close()} data-testid="more-close">
          Close
        </button>
      </header>
      <div className="an-field">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          type="search"
          className="an-input"
          value={search}
          autoFocus
          onKeyDown={(event) => {
            // a search field's Escape would only clear it: here it closes the list, as elsewhere
            if (event.key === "Escape") ref.current?.close();
          }}
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(0);
          }}
          data-testid="more-search"
        />
      </div>
      {error ? (
        <Notice>{error}</Notice>
      ) : rows === null ? (
        <p className="an-empty">Loading…</p>
      ) : matching.length === 0 ? (
        <p className="an-empty">{search ? `Nothing matches “${search}”.` : "No data for this range."}</p>
      ) : (
        <div className="an-table-scroll">
          <table className="an-table" data-testid="more-table">
            <thead>
              <tr>
                <th scope="col">{column}</th>
                <th scope="col" className="an-num">
                  {valueLabel ?? (valueKey === "pageviews" ? "Views" : "Visitors")}
                </th>
                <th scope="col" className="an-num">
                  {otherLabel}
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => {
                const canPick = Boolean(onPick) && !(type === "referrer" && row.value === "(direct)");
                return (
                  <tr
                    key={row.value}
                    className={canPick ? "an-row an-row-pick" : "an-row"}
                    tabIndex={canPick ? 0 : undefined}
                    onClick={canPick ? () => pick(row.value) : undefined}
                    onKeyDown={(event) => {
                      if (canPick && (event.key === "Enter" || event.key === " ")) {
                        event.preventDefault();
                        pick(row.value);
                      }
                    }}
                    data-testid="more-row"
                    data-value={row.value}
                  >
                    <td className="an-bar-cell">
                      <span className="an-bar" style={{ width: `${((row[valueKey] / max) * 100).toFixed(1)}%` }} aria-hidden="true" />
                      <span className="an-bar-label" title={row.value}>
                        {displayValue(type, row.value)}
                      </span>
                    </td>
                    <td className="an-num">{formatCount(row[valueKey])}</td>
                    <td className="an-num an-muted">{formatCount(row[other])}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {rows !== null && matching.length > 0 && (
        <footer className="an-pager">
          <span className="an-muted an-small" data-testid="more-count">
            {formatCount(page * PAGE + 1)}–{formatCount(page * PAGE + shown.length)} of {formatCount(matching.length)}
            {search ? " matching" : ""}
            {rows.length < total ? ` (the first ${formatCount(rows.length)} of ${formatCount(total)} read)` : ""}
          </span>
          <span className="an-pager-buttons">
            <button type="button" className="button an-button-s" disabled={page === 0} onClick={() => setPage(page - 1)} data-testid="more-prev">
              Previous
            </button>
            <button type="button" className="button an-button-s" disabled={page >= pages - 1} onClick={() => setPage(page + 1)} data-testid="more-next">
              Next
            </button>
          </span>
        </footer>
      )}
    </dialog>
  );
}
