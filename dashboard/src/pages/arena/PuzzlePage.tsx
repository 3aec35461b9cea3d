/** One puzzle: statement, constraints, the public tests, the editor with Run and Submit, comments. */
import { useEffect, useState } from "react";
import { Link } from "../../lib/router";
import { arena, ArenaError, errorText } from "./api";
import Comments from "./Comments";
import ReportButton from "./Report";
import Solver from "./Solver";
import type { Comment, Puzzle } from "./types";
import { DifficultyBadge, Loading, SignInFirst, Notice, VisibilityBadge, authorName, formatDate, useSession } from "./ui";

export function Statement({ puzzle }: { puzzle: Puzzle }) {
  const validators = puzzle.validators ?? [];
  return (
    <>
      <section className="ar-card" aria-labelledby="statement-title">
        <h2 id="statement-title">Statement</h2>
        <div className="ar-prose" data-testid="puzzle-statement">
          {puzzle.statement ? puzzle.statement.split(/\n{2,}/).map((paragraph, index) => <p key={index}>{paragraph}</p>) : <p className="ar-muted">No statement yet.</p>}
        </div>
        {puzzle.constraints && (
          <>
            <h3>Constraints</h3>
            <pre className="ar-pre ar-constraints" data-testid="puzzle-constraints">
              {puzzle.constraints}
            </pre>
          </>
        )}
      </section>
      <section className="ar-card" aria-labelledby="tests-title">
        <h2 id="tests-title">
          Tests <span className="ar-count">{validators.length}</span>
        </h2>
        {validators.length === 0 ? (
          <p className="ar-muted">This puzzle has no tests yet.</p>
        ) : (
          <ol className="ar-tests" data-testid="validators" tabIndex={0} aria-labelledby="tests-title">
            {validators.slice(0, 50).map((validator, index) => (
              <li key={validator._id ?? index} className="ar-test">
                <span className="ar-test-n">#{index + 1}</span>
                <div>
                  <p className="ar-label">Input</p>
                  <pre className="ar-pre">{validator.input || "(empty)"}</pre>
                </div>
                <div>
                  <p className="ar-label">Output</p>
                  <pre className="ar-pre">{validator.output || "(empty)"}</pre>
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

export default function PuzzlePage({ id }: { id: string }) {
  const { me, loading } = useSession();
  const [puzzle, setPuzzle] = useState<Puzzle | null>(null);
  const [error, setError] = useState<{ text: string; status: number } | null>(null);

  useEffect(() => {
    arena
      .puzzle(id)
      .then(setPuzzle)
      .catch((caught) => setError({ text: errorText(caught), status: caught instanceof ArenaError ? caught.status : 0 }));
  }, [id]);

  if (error) {
    return (
      <div className="ar-card" data-testid="puzzle-error">
        <h1>{error.status === 404 || error.status === 400 ? "Puzzle not found" : "Could not load the puzzle"}</h1>
        <Notice>{error.text}</Notice>
        <p>
          <Link to="/arena">Back to the puzzles</Link>
        </p>
      </div>
    );
  }
  if (!puzzle) return <Loading label="Loading the puzzle…" />;

  const isAuthor = me && typeof puzzle.author !== "string" && puzzle.author._id === me.userId;
  const comments = (puzzle.comments ?? []).filter((item): item is Comment => typeof item !== "string");

  return (
    <article className="ar-page" data-testid="puzzle-page">
      <nav className="ar-crumbs" aria-label="Breadcrumb">
        <Link to="/arena">Puzzles</Link> <span aria-hidden="true">/</span> <span aria-current="page">{puzzle.title}</span>
      </nav>
      <header className="ar-page-head">
        <div>
          <div className="ar-row">
            <DifficultyBadge difficulty={puzzle.difficulty} />
            {puzzle.visibility !== "approved" && <VisibilityBadge visibility={puzzle.visibility} />}
            {(puzzle.tags ?? []).map((tag) => (
              <span key={tag} className="ar-tag">
                {tag.replace(/_/g, " ")}
              </span>
            ))}
          </div>
          <h1 data-testid="puzzle-title">{puzzle.title}</h1>
          <p className="ar-muted ar-small">
            by{" "}
            <Link to={`/arena/users/${encodeURIComponent(authorName(puzzle.author))}`}>{authorName(puzzle.author)}</Link> · {formatDate(puzzle.createdAt)}
          </p>
        </div>
        <div className="ar-row">
          {isAuthor && (
            <Link to={`/arena/puzzles/${puzzle._id}/edit`} className="button" data-testid="edit-puzzle">
              Edit
            </Link>
          )}
          {!isAuthor && <ReportButton kind="puzzle" target={puzzle._id} />}
        </div>
      </header>
      <div className="ar-split">
        <div className="ar-col">
          <Statement puzzle={puzzle} />
        </div>
        <div className="ar-col">
          <section className="ar-card" aria-labelledby="solve-title">
            <h2 id="solve-title">Your solution</h2>
            {loading ? <Loading /> : me ? <Solver puzzle={puzzle} scope={puzzle._id} /> : <SignInFirst what="run and submit code" />}
          </section>
        </div>
      </div>
      <Comments puzzleId={puzzle._id} initial={comments} />
    </article>
  );
}
