/** Author pages: create a puzzle (its title), then edit it and follow the validator check. */
import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, navigate } from "../../lib/router";
import { arena, ArenaError, errorText, type PuzzleSave } from "./api";
import { languageLabel, starter } from "./code";
import { useLanguages } from "./Solver";
import type { Difficulty, Puzzle, Validator, Visibility } from "./types";
import { DIFFICULTIES, Field, Loading, Notice, Select, SignInFirst, VisibilityBadge, capital, isModerator, useSession } from "./ui";

const CodeEditor = lazy(() => import("./Editor"));

const TAGS = ["algorithms", "data_structures", "mathematics", "strings", "arrays", "math", "graph_theory", "dynamic_programming"];
const MIN_VALIDATORS = 10;
const CHECKED = ["draft", "ready", "review"];

function rtrim(text: string): string {
  return text.replace(/\s+$/, "");
}

type RunBlock = { output?: string; stdout?: string; code?: number | null };

/** Whether a validator's stored run matches its output (the server's rule, docs/arena.md). */
function validatorPassed(validator: Validator): boolean | null {
  const result = validator.testResult as { run?: RunBlock } | null | undefined;
  if (!result || !result.run) return null;
  const expected = rtrim(validator.output);
  return rtrim(result.run.output ?? "") === expected || rtrim(result.run.stdout ?? "") === expected;
}

/**
 * The visibility a save asks for. An author's save of a puzzle sent back (`revise`) or already
 * `approved` asks for `draft`: only moderators keep `approved` (else 403), and a `draft` with
 * 10+ tests is checked again and, when it passes, waits in the review queue.
 */
function nextVisibility(current: Visibility, moderator: boolean): Visibility {
  if (moderator) return current;
  return current === "revise" || current === "approved" ? "draft" : current;
}

function CreatePuzzle() {
  const [title, setTitle] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (title.trim().length < 4) return setError("Give the puzzle a title of at least 4 characters.");
    setBusy(true);
    setError("");
    try {
      const created = await arena.createPuzzle(title.trim());
      navigate(`/arena/puzzles/${created._id}/edit`, { replace: true });
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  }
  return (
    <section className="ar-page" data-testid="puzzle-create">
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Write a puzzle</p>
          <h1>New puzzle</h1>
          <p className="ar-muted">Start with a title; the statement, tests and your reference solution come next. It stays a private draft until you are ready.</p>
        </div>
      </header>
      <form className="ar-card ar-form ar-narrow" onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Title" value={title} onChange={setTitle} maxLength={128} hint="4–128 characters, e.g. “Sum of Two Numbers”." testId="new-title" autoFocus />
        <Notice>{error}</Notice>
        <div className="ar-row">
          <button type="submit" className="button primary" disabled={busy} data-testid="create-puzzle">
            {busy ? "Creating…" : "Create draft"}
          </button>
          <Link to="/arena" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}

function languageIdOf(puzzle: Puzzle): string {
  const language = puzzle.solution?.programmingLanguage;
  if (!language) return "";
  return typeof language === "string" ? language : language._id;
}

function Verdict({ puzzle, checking }: { puzzle: Puzzle; checking: boolean }) {
  const validators = puzzle.validators ?? [];
  const results = validators.map(validatorPassed);
  const failing = results.filter((item) => item === false).length;
  const known = results.every((item) => item !== null) && validators.length > 0;
  let kind: "ok" | "warn" | "info" | "error" = "info";
  let text: string;
  if (validators.length < MIN_VALIDATORS) {
    text = `Add at least ${MIN_VALIDATORS} tests (${validators.length} so far) and a solution: then saving checks the solution on every test.`;
  } else if (checking) {
    text = "Checking: your solution runs on every test…";
  } else if (puzzle.visibility === "ready" || puzzle.visibility === "review") {
    kind = "ok";
    text = "✓ Your solution passes every test. The puzzle is ready and waits for a moderator's approval.";
  } else if (puzzle.visibility === "approved") {
    kind = "ok";
    text = "✓ Approved: the puzzle is public and can be played in games.";
  } else if (puzzle.visibility === "revise") {
    kind = "warn";
    text = `A moderator asked for changes${puzzle.moderationFeedback ? `: “${puzzle.moderationFeedback}”` : ""}. Make them and save: the puzzle is checked again and goes back to the review queue.`;
  } else if (known && failing > 0) {
    kind = "error";
    text = `✗ Your solution fails ${failing} of ${validators.length} tests: fix the solution or the tests and save again.`;
  } else if (!known) {
    kind = "warn";
    text = "Not checked yet: add a solution and its language, then save.";
  } else {
    text = "Draft.";
  }
  return (
    <div className="ar-verdict" data-testid="verdict" data-visibility={puzzle.visibility} data-checking={checking || undefined}>
      <div className="ar-row">
        <span className="ar-muted ar-small">Status</span>
        <VisibilityBadge visibility={puzzle.visibility} />
      </div>
      <Notice kind={kind} testId="verdict-text">
        {text}
      </Notice>
    </div>
  );
}

function EditPuzzle({ id }: { id: string }) {
  const { me } = useSession();
  const { languages } = useLanguages();
  const [puzzle, setPuzzle] = useState<Puzzle | null>(null);
  const [loadError, setLoadError] = useState("");
  const [title, setTitle] = useState("");
  const [statement, setStatement] = useState("");
  const [constraints, setConstraints] = useState("");
  const [difficulty, setDifficulty] = useState<Difficulty>("intermediate");
  const [tags, setTags] = useState<string[]>([]);
  const [validators, setValidators] = useState<Validator[]>([]);
  const [code, setCode] = useState("");
  const [languageId, setLanguageId] = useState("");
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState("");
  const [error, setError] = useState("");
  const [checking, setChecking] = useState(false);
  const poll = useRef(0);

  /** Show `next`; its solution too when it carries one (a save's answer does not: the editor keeps what was saved). */
  function load(next: Puzzle, withSolution: boolean) {
    setPuzzle(next);
    setTitle(next.title);
    setStatement(next.statement ?? "");
    setConstraints(next.constraints ?? "");
    setDifficulty(next.difficulty);
    setTags(next.tags ?? []);
    setValidators(next.validators ?? []);
    if (withSolution) {
      setCode(next.solution?.code ?? "");
      setLanguageId(languageIdOf(next));
    }
  }

  useEffect(() => {
    arena
      .puzzleWithSolution(id)
      .then((next) => load(next, true))
      .catch((caught) => setLoadError(caught instanceof ArenaError && caught.status === 404 ? "This puzzle does not exist (or was deleted)." : errorText(caught)));
    return () => window.clearTimeout(poll.current);
  }, [id]);

  useEffect(() => {
    if (!languageId && languages && languages.length > 0) {
      const python = languages.find((item) => item.language === "python") ?? languages[0]!;
      setLanguageId(python._id);
      setCode((current) => current || starter(python.language));
    }
  }, [languages, languageId]);

  /** After a save: read the puzzle until every validator carries its run (or 30 s pass). */
  function follow(started: number) {
    poll.current = window.setTimeout(async () => {
      try {
        const next = await arena.puzzle(id);
        const done = (next.validators ?? []).every((item) => item.testResult) || Date.now() - started > 30_000;
        setPuzzle(next);
        setValidators(next.validators ?? []);
        if (done) setChecking(false);
        else follow(started);
      } catch {
        setChecking(false);
      }
    }, 700);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!puzzle) return;
    if (title.trim().length < 4) return setError("The title needs at least 4 characters.");
    setSaving(true);
    setError("");
    setSaved("");
    const body: PuzzleSave = {
      title: title.trim(),
      statement,
      constraints,
      difficulty,
      visibility: nextVisibility(puzzle.visibility, isModerator(me)),
      tags,
      validators: validators.map((item) => ({ ...(item._id ? { _id: item._id } : {}), input: item.input, output: item.output })),
      solution: { code, programmingLanguage: languageId || null },
    };
    try {
      const answer = await arena.savePuzzle(id, body);
      load(answer, false);
      setSaved("Saved.");
      window.clearTimeout(poll.current);
      if (body.validators.length >= MIN_VALIDATORS && CHECKED.includes(answer.visibility) && code.trim()) {
        setChecking(true);
        follow(Date.now());
      }
    } catch (caught) {
      setError(`Not saved: ${errorText(caught)}`);
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (!window.confirm("Delete this puzzle for good? Its comments go with it.")) return;
    try {
      await arena.deletePuzzle(id);
      navigate("/arena");
    } catch (caught) {
      setError(errorText(caught));
    }
  }

  if (loadError) {
    return (
      <div className="ar-card">
        <h1>Cannot edit this puzzle</h1>
        <Notice>{loadError}</Notice>
        <Link to="/arena">Back to the puzzles</Link>
      </div>
    );
  }
  if (!puzzle) return <Loading label="Loading the puzzle…" />;
  const isAuthor = me && typeof puzzle.author !== "string" ? puzzle.author._id === me.userId : me && puzzle.author === me.userId;
  if (!isAuthor && me?.role === "user") {
    return (
      <div className="ar-card">
        <h1>Only the author edits a puzzle</h1>
        <Link to={`/arena/puzzles/${id}`}>Open the puzzle</Link>
      </div>
    );
  }
  const language = languages?.find((item) => item._id === languageId);

  return (
    <form className="ar-page" onSubmit={(event) => void save(event)} data-testid="puzzle-edit" noValidate>
      <nav className="ar-crumbs" aria-label="Breadcrumb">
        <Link to="/arena">Puzzles</Link> <span aria-hidden="true">/</span> <Link to={`/arena/puzzles/${id}`}>{puzzle.title}</Link> <span aria-hidden="true">/</span>{" "}
        <span aria-current="page">Edit</span>
      </nav>
      <header className="ar-page-head">
        <div>
          <p className="eyebrow">Edit puzzle</p>
          <h1>{puzzle.title}</h1>
        </div>
        <div className="ar-row">
          <Link to={`/arena/puzzles/${id}`} className="button">
            View
          </Link>
          <button type="submit" className="button primary" disabled={saving} data-testid="save-puzzle">
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
      </header>
      <Verdict puzzle={puzzle} checking={checking} />
      {puzzle.visibility === "approved" && !isModerator(me) && (
        <Notice kind="info" testId="approved-edit">
          This puzzle is public. Saving a change takes it out of the puzzles list until it passes the check and a moderator approves it again.
        </Notice>
      )}
      <Notice kind="ok" testId="save-ok">
        {saved && !error ? saved : ""}
      </Notice>
      <Notice testId="save-error">{error}</Notice>

      <div className="ar-split">
        <div className="ar-col">
          <section className="ar-card ar-form" aria-labelledby="about-title">
            <h2 id="about-title">The puzzle</h2>
            <Field label="Title" value={title} onChange={setTitle} maxLength={128} testId="edit-title" />
            <Field label="Statement" value={statement} onChange={setStatement} multiline={7} hint="What the program reads and what it prints. Blank lines start paragraphs." testId="edit-statement" />
            <Field label="Constraints" value={constraints} onChange={setConstraints} multiline={3} mono testId="edit-constraints" />
            <Select<Difficulty>
              label="Difficulty"
              value={difficulty}
              onChange={setDifficulty}
              options={DIFFICULTIES.map((value) => ({ value, label: capital(value) }))}
              testId="edit-difficulty"
            />
            <fieldset className="ar-fieldset">
              <legend>Tags</legend>
              <div className="ar-chips">
                {TAGS.map((tag) => (
                  <button
                    key={tag}
                    type="button"
                    className="ar-chip"
                    aria-pressed={tags.includes(tag)}
                    onClick={() => setTags((current) => (current.includes(tag) ? current.filter((item) => item !== tag) : [...current, tag]))}
                  >
                    {capital(tag)}
                  </button>
                ))}
              </div>
            </fieldset>
          </section>
          <section className="ar-card" aria-labelledby="solution-title">
            <h2 id="solution-title">Reference solution</h2>
            <p className="ar-muted ar-small">Only you and the moderators see it. Saving with {MIN_VALIDATORS}+ tests runs it on every test.</p>
            {!languages ? (
              <Loading />
            ) : (
              <>
                <Select
                  label="Language"
                  value={languageId}
                  onChange={setLanguageId}
                  options={languages.map((item) => ({ value: item._id, label: languageLabel(item) }))}
                  testId="solution-language"
                />
                <Suspense fallback={<Loading label="Loading the editor…" />}>
                  <CodeEditor value={code} onChange={setCode} language={language?.language ?? "python"} label="Reference solution" testId="solution-editor" />
                </Suspense>
              </>
            )}
          </section>
        </div>
        <section className="ar-card" aria-labelledby="validators-title" data-testid="validators-editor">
          <div className="ar-row ar-row-between">
            <h2 id="validators-title">
              Tests <span className="ar-count">{validators.length}</span>
            </h2>
            <button type="button" className="button ar-btn-s" onClick={() => setValidators((current) => [...current, { input: "", output: "" }])} data-testid="add-validator">
              + Add test
            </button>
          </div>
          <p className="ar-muted ar-small">Each test is the program's input and the exact output expected (trailing whitespace is ignored). Everyone sees the tests.</p>
          {validators.length === 0 && <p className="ar-empty">No tests yet. Add at least {MIN_VALIDATORS}.</p>}
          <ol className="ar-validator-list">
            {validators.map((validator, index) => {
              const passed = validatorPassed(validator);
              return (
                <li key={validator._id ?? `new-${index}`} className="ar-validator" data-testid="validator-row" data-passed={passed === null ? "unknown" : String(passed)}>
                  <div className="ar-row ar-row-between">
                    <strong className="ar-small">
                      Test {index + 1}{" "}
                      {passed === true && <span className="ar-pass">✓ passes</span>}
                      {passed === false && <span className="ar-fail">✗ fails</span>}
                    </strong>
                    <button
                      type="button"
                      className="ar-link ar-small ar-danger"
                      onClick={() => setValidators((current) => current.filter((_, at) => at !== index))}
                      aria-label={`Remove test ${index + 1}`}
                    >
                      Remove
                    </button>
                  </div>
                  <div className="ar-two">
                    <div className="ar-field">
                      <label htmlFor={`v-in-${index}`}>Input</label>
                      <textarea
                        id={`v-in-${index}`}
                        className="ar-input ar-mono"
                        rows={2}
                        value={validator.input}
                        onChange={(event) => setValidators((current) => current.map((item, at) => (at === index ? { ...item, input: event.target.value, testResult: null } : item)))}
                        data-testid="validator-input"
                      />
                    </div>
                    <div className="ar-field">
                      <label htmlFor={`v-out-${index}`}>Expected output</label>
                      <textarea
                        id={`v-out-${index}`}
                        className="ar-input ar-mono"
                        rows={2}
                        value={validator.output}
                        onChange={(event) => setValidators((current) => current.map((item, at) => (at === index ? { ...item, output: event.target.value, testResult: null } : item)))}
                        data-testid="validator-output"
                      />
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
          {validators.length > 0 && (
            <button type="button" className="button ar-btn-s" onClick={() => setValidators((current) => [...current, { input: "", output: "" }])}>
              + Add test
            </button>
          )}
        </section>
      </div>
      <div className="ar-row ar-row-between">
        {["draft", "ready"].includes(puzzle.visibility) ? (
          <button type="button" className="button ar-danger-btn ar-btn-s" onClick={() => void remove()}>
            Delete puzzle
          </button>
        ) : (
          <span />
        )}
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}

export default function PuzzleEdit({ id }: { id?: string }) {
  const { me, loading } = useSession();
  if (loading) return <Loading />;
  if (!me) return <SignInFirst what="write puzzles" />;
  return id ? <EditPuzzle id={id} /> : <CreatePuzzle />;
}
