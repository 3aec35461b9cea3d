/** The editor with its language picker, Run against a validator, and Submit. */
import { lazy, Suspense, useEffect, useId, useMemo, useState } from "react";
import { arena, errorText } from "./api";
import { languageLabel, preferredLanguage, rememberLanguage, saveCode, savedCode, starter } from "./code";
import type { ExecuteAnswer, Language, Puzzle, Submission } from "./types";
import { Loading, Notice, percent } from "./ui";

const CodeEditor = lazy(() => import("./Editor"));

let languageCache: Promise<Language[]> | null = null;
export function loadLanguages(): Promise<Language[]> {
  if (!languageCache) {
    languageCache = arena
      .languages()
      .then((answer) => answer.languages)
      .catch((error) => {
        languageCache = null;
        throw error;
      });
  }
  return languageCache;
}

export function useLanguages(): { languages: Language[] | null; error: string } {
  const [languages, setLanguages] = useState<Language[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    loadLanguages()
      .then(setLanguages)
      .catch((caught) => setError(errorText(caught)));
  }, []);
  return { languages, error };
}

export function ResultSummary({ submission }: { submission: Submission }) {
  const { result } = submission;
  const ok = result.result === "success";
  return (
    <div className={`ar-result ${ok ? "ar-result-ok" : "ar-result-bad"}`} data-testid="submit-result" data-result={result.result} role="status">
      <div className="ar-result-head">
        <strong>{ok ? "✓ Accepted: every test passes" : "✗ Not yet: some tests fail"}</strong>
        <span className="ar-result-rate" data-testid="submit-rate">
          {percent(result.successRate)}
        </span>
      </div>
      <div className="ar-meter" aria-hidden="true">
        <span style={{ width: `${result.successRate * 100}%` }} />
      </div>
      <p className="ar-small">
        <span data-testid="submit-passed">{result.passed}</span> passed · <span data-testid="submit-failed">{result.failed}</span> failed ·{" "}
        <span data-testid="submit-total">{result.total}</span> tests · {submission.codeLength} characters of {submission.programmingLanguage.language}
      </p>
    </div>
  );
}

export default function Solver({
  puzzle,
  scope,
  allowed,
  disabled,
  disabledReason,
  submitLabel = "Submit",
  onSubmitted,
}: {
  puzzle: Puzzle;
  /** Where the code is kept between visits (a puzzle or a game). */
  scope: string;
  /** Language ids allowed (empty: any). */
  allowed?: string[];
  disabled?: boolean;
  disabledReason?: string;
  submitLabel?: string;
  onSubmitted?: (submission: Submission) => Promise<void> | void;
}) {
  const { languages: all, error: languagesError } = useLanguages();
  const languages = useMemo(() => (all ?? []).filter((item) => !allowed || allowed.length === 0 || allowed.includes(item._id)), [all, allowed]);
  const [languageId, setLanguageId] = useState("");
  const language = languages.find((item) => item._id === languageId);
  const [code, setCode] = useState("");
  const validators = puzzle.validators ?? [];
  const [testIndex, setTestIndex] = useState("0");
  const [customInput, setCustomInput] = useState("");
  const [customOutput, setCustomOutput] = useState("");
  const [running, setRunning] = useState(false);
  const [run, setRun] = useState<{ answer: ExecuteAnswer; expected: string } | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submission, setSubmission] = useState<Submission | null>(null);
  const [error, setError] = useState("");
  const ids = { lang: useId(), test: useId() };

  useEffect(() => {
    if (!languageId && languages.length > 0) {
      const pick = preferredLanguage(languages)!;
      setLanguageId(pick._id);
      setCode(savedCode(scope, pick.language) ?? starter(pick.language));
    }
  }, [languages, languageId, scope]);

  function changeLanguage(id: string) {
    const next = languages.find((item) => item._id === id);
    if (!next) return;
    if (language) saveCode(scope, language.language, code);
    setLanguageId(id);
    rememberLanguage(next.language);
    setCode(savedCode(scope, next.language) ?? starter(next.language));
  }

  function edit(value: string) {
    setCode(value);
    if (language) saveCode(scope, language.language, value);
  }

  async function runTest() {
    if (!language || running) return;
    if (!code.trim()) return setError("Write some code first.");
    const custom = testIndex === "custom";
    const validator = custom ? { input: customInput, output: customOutput } : validators[Number(testIndex)];
    if (!validator) return setError("Pick a test to run against.");
    setRunning(true);
    setError("");
    try {
      const answer = await arena.execute(code, language.language, validator.input, validator.output);
      setRun({ answer, expected: validator.output });
    } catch (caught) {
      setError(`Could not run the code: ${errorText(caught)}`);
    } finally {
      setRunning(false);
    }
  }

  async function submit() {
    if (!language || submitting || disabled) return;
    if (!code.trim()) return setError("Write some code first.");
    setSubmitting(true);
    setError("");
    try {
      const answer = await arena.submit(puzzle._id, language._id, code);
      setSubmission(answer);
      await onSubmitted?.(answer);
    } catch (caught) {
      setError(`Could not submit: ${errorText(caught)}`);
    } finally {
      setSubmitting(false);
    }
  }

  if (languagesError) return <Notice>Could not load the languages: {languagesError}. Reload the page to try again.</Notice>;
  if (!all) return <Loading label="Loading the editor…" />;
  if (languages.length === 0) return <Notice>No language this game allows is available on this server.</Notice>;

  const stage = run?.answer.compile && run.answer.compile.code ? run.answer.compile : run?.answer.run;
  const passed = run?.answer.puzzleResultInformation.result === "success";

  return (
    <div className="ar-solver" data-testid="solver">
      <div className="ar-solver-bar">
        <div className="ar-field ar-field-inline">
          <label htmlFor={ids.lang}>Language</label>
          <select id={ids.lang} className="ar-input ar-select" value={languageId} onChange={(event) => changeLanguage(event.target.value)} data-testid="language-select">
            {languages.map((item) => (
              <option key={item._id} value={item._id}>
                {languageLabel(item)}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button ar-btn-s"
          onClick={() => {
            if (language && window.confirm("Replace your code with the starter code?")) edit(starter(language.language));
          }}
        >
          Reset
        </button>
      </div>
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        {language && <CodeEditor value={code} onChange={edit} language={language.language} label={`Your ${language.language} solution`} onSubmitShortcut={() => void runTest()} />}
      </Suspense>

      <div className="ar-run-bar">
        <div className="ar-field ar-field-inline ar-grow">
          <label htmlFor={ids.test}>Test</label>
          <select id={ids.test} className="ar-input ar-select" value={testIndex} onChange={(event) => setTestIndex(event.target.value)} data-testid="test-select">
            {validators.map((validator, index) => (
              <option key={validator._id ?? index} value={String(index)}>
                Test {index + 1}: {validator.input.split("\n")[0]!.slice(0, 40) || "(empty input)"}
              </option>
            ))}
            <option value="custom">Custom input…</option>
          </select>
        </div>
        <button type="button" className="button" onClick={() => void runTest()} disabled={running} data-testid="run-button">
          {running ? "Running…" : "▶ Run"}
        </button>
        <button
          type="button"
          className="button primary"
          onClick={() => void submit()}
          disabled={submitting || disabled}
          title={disabled ? disabledReason : undefined}
          data-testid="submit-button"
        >
          {submitting ? "Submitting…" : submitLabel}
        </button>
      </div>
      {disabled && disabledReason && <p className="ar-muted ar-small">{disabledReason}</p>}

      {testIndex === "custom" && (
        <div className="ar-two">
          <div className="ar-field">
            <label htmlFor={`${ids.test}-in`}>Input (stdin)</label>
            <textarea id={`${ids.test}-in`} className="ar-input ar-mono" rows={3} value={customInput} onChange={(event) => setCustomInput(event.target.value)} data-testid="custom-input" />
          </div>
          <div className="ar-field">
            <label htmlFor={`${ids.test}-out`}>Expected output</label>
            <textarea id={`${ids.test}-out`} className="ar-input ar-mono" rows={3} value={customOutput} onChange={(event) => setCustomOutput(event.target.value)} data-testid="custom-output" />
          </div>
        </div>
      )}

      <Notice testId="solver-error">{error}</Notice>

      {run && stage && (
        <div className={`ar-run ${passed ? "ar-run-ok" : "ar-run-bad"}`} data-testid="run-result" data-result={passed ? "passed" : "failed"} aria-live="polite">
          <div className="ar-run-head">
            <strong>{passed ? "✓ Test passed" : "✗ Test failed"}</strong>
            <span className="ar-muted ar-small">
              exit code {stage.code ?? "—"}
              {stage.signal ? ` · ${stage.signal}` : ""}
            </span>
          </div>
          <div className="ar-two">
            <div>
              <p className="ar-label">Your output</p>
              <pre className="ar-pre" data-testid="run-output">{stage.output || "(no output)"}</pre>
            </div>
            <div>
              <p className="ar-label">Expected</p>
              <pre className="ar-pre">{run.expected || "(empty)"}</pre>
            </div>
          </div>
        </div>
      )}
      {submission && <ResultSummary submission={submission} />}
    </div>
  );
}
