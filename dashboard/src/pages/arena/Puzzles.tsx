/** The puzzles list: search by title, difficulty filter, pages. */
import { useEffect, useMemo, useState } from "react";
import { Link } from "../../lib/router";
import { arena, errorText } from "./api";
import type { Difficulty, Page, Puzzle } from "./types";
import { DIFFICULTIES, DifficultyBadge, Empty, Loading, Notice, Pager, authorName, capital, useSession } from "./ui";

const PAGE_SIZE = 20;

export default function Puzzles() {
  const { me } = useSession();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<Puzzle> | null>(null);
  const [error, setError] = useState("");
  const [search, setSearch] = useState("");
  const [difficulty, setDifficulty] = useState<Difficulty | "all">("all");
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError("");
    arena
      .puzzles(page, PAGE_SIZE)
      .then((answer) => live && setData(answer))
      .catch((caught) => live && setError(errorText(caught)));
    return () => {
      live = false;
    };
  }, [page, attempt]);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (data?.items ?? []).filter(
      (puzzle) =>
        (difficulty === "all" || puzzle.difficulty === difficulty) &&
        (!needle || puzzle.title.toLowerCase().includes(needle) || (puzzle.tags ?? []).some((tag) => tag.includes(needle))),
    );
  }, [data, search, difficulty]);

  return (
    <section className="ar-page" data-testid="puzzles-page" aria-labelledby="puzzles-title">
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Arena</p>
          <h1 id="puzzles-title">Puzzles</h1>
          <p className="ar-muted">Pick a puzzle, write a solution in Python, JavaScript or Bash, and run it against the tests.</p>
        </div>
        {me && (
          <Link to="/arena/puzzles/new" className="button primary" data-testid="new-puzzle">
            + New puzzle
          </Link>
        )}
      </header>

      <div className="ar-toolbar" role="search">
        <div className="ar-field ar-grow">
          <label htmlFor="puzzle-search" className="ar-sr">
            Search puzzles
          </label>
          <input
            id="puzzle-search"
            className="ar-input"
            type="search"
            placeholder="Search by title or tag…"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            data-testid="puzzle-search"
          />
        </div>
        <div className="ar-chips" role="group" aria-label="Difficulty">
          {(["all", ...DIFFICULTIES] as const).map((item) => (
            <button
              key={item}
              type="button"
              className="ar-chip"
              aria-pressed={difficulty === item}
              onClick={() => setDifficulty(item)}
              data-testid={`difficulty-${item}`}
            >
              {item === "all" ? "All" : capital(item)}
            </button>
          ))}
        </div>
      </div>

      {error ? (
        <Notice>
          Could not load the puzzles: {error}{" "}
          <button type="button" className="ar-link" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </Notice>
      ) : !data ? (
        <Loading label="Loading puzzles…" />
      ) : data.items.length === 0 ? (
        <Empty title="No puzzles yet" testId="puzzles-empty">
          {me ? (
            <Link to="/arena/puzzles/new">Write the first one</Link>
          ) : (
            <>
              <Link to="/arena/register">Create an account</Link> to write the first one.
            </>
          )}
        </Empty>
      ) : shown.length === 0 ? (
        <Empty title="No puzzle matches" testId="puzzles-no-match">
          <button
            type="button"
            className="ar-link"
            onClick={() => {
              setSearch("");
              setDifficulty("all");
            }}
          >
            Clear the search and filter
          </button>
          {data.totalPages > 1 && " — or look on the other pages."}
        </Empty>
      ) : (
        <ul className="ar-puzzle-grid" data-testid="puzzle-list">
          {shown.map((puzzle) => (
            <li key={puzzle._id} className="ar-card ar-puzzle-card" data-testid="puzzle-card">
              <div className="ar-puzzle-card-head">
                <DifficultyBadge difficulty={puzzle.difficulty} />
                {puzzle.visibility !== "approved" && <span className={`ar-badge ar-vis-${puzzle.visibility}`}>{capital(puzzle.visibility)}</span>}
              </div>
              <h2 className="ar-puzzle-title">
                <Link to={`/arena/puzzles/${puzzle._id}`} className="ar-card-link">
                  {puzzle.title}
                </Link>
              </h2>
              {puzzle.statement && <p className="ar-clamp ar-muted">{puzzle.statement}</p>}
              <div className="ar-puzzle-meta">
                <span>by {authorName(puzzle.author)}</span>
                {(puzzle.tags ?? []).map((tag) => (
                  <span key={tag} className="ar-tag">
                    {tag.replace(/_/g, " ")}
                  </span>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      {data && (
        <Pager
          page={data.page}
          totalPages={data.totalPages}
          onPage={(next) => {
            setPage(next);
            window.scrollTo(0, 0);
          }}
          label="Puzzle pages"
        />
      )}
    </section>
  );
}
