/** "Report": an inline form that files POST /report (25–1024 characters of explanation). */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { arena, errorText } from "./api";
import { Notice, useSession } from "./ui";

type Kind = "puzzle" | "user" | "comment" | "game_chat";
const NOUN: Record<Kind, string> = { puzzle: "puzzle", user: "user", comment: "comment", game_chat: "message" };

export default function ReportButton({ kind, target, small = true }: { kind: Kind; target: string; small?: boolean }) {
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (open) area.current?.focus();
  }, [open]);

  if (!me) return null;
  if (done) return <span className="ar-muted ar-small" role="status" data-testid="report-done">Reported — thank you; a moderator will look at it.</span>;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const explanation = text.trim();
    if (explanation.length < 25) return setError(`Say what is wrong in at least 25 characters (${explanation.length} so far).`);
    setBusy(true);
    setError("");
    try {
      await arena.report(target, kind, explanation);
      setDone(true);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <button type="button" className={`ar-link ar-report${small ? " ar-small" : ""}`} onClick={() => setOpen(true)} data-testid={`report-${kind}`} aria-label={`Report this ${NOUN[kind]}`}>
        ⚑ Report
      </button>
    );
  }
  return (
    <form className="ar-report-form" onSubmit={(event) => void submit(event)} data-testid="report-form" onKeyDown={(event) => event.key === "Escape" && setOpen(false)}>
      <label htmlFor={id}>Why should a moderator look at this {NOUN[kind]}?</label>
      <textarea id={id} ref={area} className="ar-input" rows={3} maxLength={1024} value={text} onChange={(event) => setText(event.target.value)} data-testid="report-text" />
      <Notice>{error}</Notice>
      <div className="ar-row">
        <button type="submit" className="button primary ar-btn-s" disabled={busy} data-testid="report-submit">
          Send report
        </button>
        <button type="button" className="button ar-btn-s" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
