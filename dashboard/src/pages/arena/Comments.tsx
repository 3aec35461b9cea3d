/** A puzzle's comments: replies (any depth, loaded on demand), votes, delete, report. */
import { useId, useState, type FormEvent } from "react";
import { Link } from "../../lib/router";
import { arena, errorText } from "./api";
import ReportButton from "./Report";
import type { Comment } from "./types";
import { Notice, authorName, isModerator, relative, useSession } from "./ui";

const MAX = 320;

function CommentForm({ onSend, label, cta, autoFocus, onCancel }: { onSend: (text: string) => Promise<void>; label: string; cta: string; autoFocus?: boolean; onCancel?: () => void }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const id = useId();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = text.trim();
    if (!value) return setError("Write something first.");
    setBusy(true);
    setError("");
    try {
      await onSend(value);
      setText("");
      onCancel?.();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="ar-comment-form" onSubmit={(event) => void submit(event)} data-testid="comment-form">
      <label htmlFor={id} className="ar-sr">
        {label}
      </label>
      <textarea
        id={id}
        className="ar-input"
        rows={2}
        maxLength={MAX}
        placeholder={label}
        value={text}
        autoFocus={autoFocus}
        onChange={(event) => setText(event.target.value)}
        data-testid="comment-text"
      />
      <div className="ar-row ar-row-between">
        <span className="ar-muted ar-small">
          {text.length}/{MAX}
        </span>
        <div className="ar-row">
          {onCancel && (
            <button type="button" className="button ar-btn-s" onClick={onCancel}>
              Cancel
            </button>
          )}
          <button type="submit" className="button primary ar-btn-s" disabled={busy} data-testid="comment-submit">
            {busy ? "Posting…" : cta}
          </button>
        </div>
      </div>
      <Notice>{error}</Notice>
    </form>
  );
}

function CommentItem({ initial, onGone, depth }: { initial: Comment; onGone: () => void; depth: number }) {
  const { me } = useSession();
  const [comment, setComment] = useState(initial);
  const [replies, setReplies] = useState<Comment[] | null>(null);
  const [replying, setReplying] = useState(false);
  const [error, setError] = useState("");
  const [myVote, setMyVote] = useState<"upvote" | "downvote" | null>(null);
  const replyCount = comment.comments.length;
  const mine = me && typeof comment.author !== "string" && comment.author._id === me.userId;

  async function loadReplies() {
    try {
      const thread = await arena.thread(comment._id);
      setReplies(thread.comments.filter((item): item is Comment => typeof item !== "string"));
      setComment((current) => ({ ...current, comments: thread.comments.map((item) => (typeof item === "string" ? item : item._id)) }));
    } catch (caught) {
      setError(errorText(caught));
    }
  }

  async function vote(type: "upvote" | "downvote") {
    setError("");
    try {
      const answer = await arena.vote(comment._id, type);
      setComment((current) => ({ ...current, upvote: answer.upvote, downvote: answer.downvote }));
      setMyVote((current) => (current === type ? null : type));
    } catch (caught) {
      setError(errorText(caught));
    }
  }

  async function remove() {
    if (!window.confirm("Delete this comment and its replies?")) return;
    try {
      await arena.deleteComment(comment._id);
      onGone();
    } catch (caught) {
      setError(errorText(caught));
    }
  }

  const score = comment.upvote - comment.downvote;
  return (
    <li className="ar-comment" data-testid="comment" data-comment-id={comment._id}>
      <div className="ar-comment-head">
        <span className="ar-avatar ar-avatar-s" aria-hidden="true">
          {authorName(comment.author).slice(0, 1).toUpperCase()}
        </span>
        <Link to={`/arena/users/${encodeURIComponent(authorName(comment.author))}`} className="ar-comment-author">
          {authorName(comment.author)}
        </Link>
        <time className="ar-muted ar-small" dateTime={comment.createdAt}>
          {relative(comment.createdAt)}
        </time>
      </div>
      <p className="ar-comment-text" data-testid="comment-body">
        {comment.text}
      </p>
      <div className="ar-comment-actions">
        <div className="ar-votes" role="group" aria-label="Votes">
          <button
            type="button"
            className="ar-vote"
            aria-pressed={myVote === "upvote"}
            aria-label={`Upvote (${comment.upvote})`}
            disabled={!me}
            onClick={() => void vote("upvote")}
            data-testid="upvote"
          >
            ▲ <span data-testid="upvotes">{comment.upvote}</span>
          </button>
          <span className="ar-score" aria-label={`Score ${score}`} data-testid="score">
            {score}
          </span>
          <button
            type="button"
            className="ar-vote"
            aria-pressed={myVote === "downvote"}
            aria-label={`Downvote (${comment.downvote})`}
            disabled={!me}
            onClick={() => void vote("downvote")}
            data-testid="downvote"
          >
            ▼ <span data-testid="downvotes">{comment.downvote}</span>
          </button>
        </div>
        {me && depth < 6 && (
          <button type="button" className="ar-link ar-small" onClick={() => setReplying((value) => !value)} data-testid="reply-button" aria-expanded={replying}>
            Reply
          </button>
        )}
        {replyCount > 0 && replies === null && (
          <button type="button" className="ar-link ar-small" onClick={() => void loadReplies()} data-testid="show-replies">
            Show {replyCount} {replyCount === 1 ? "reply" : "replies"}
          </button>
        )}
        {(mine || isModerator(me)) && (
          <button type="button" className="ar-link ar-small ar-danger" onClick={() => void remove()} data-testid="delete-comment">
            Delete
          </button>
        )}
        {!mine && <ReportButton kind="comment" target={comment._id} />}
      </div>
      <Notice>{error}</Notice>
      {replying && (
        <CommentForm
          label={`Reply to ${authorName(comment.author)}`}
          cta="Reply"
          autoFocus
          onCancel={() => setReplying(false)}
          onSend={async (text) => {
            await arena.reply(comment._id, text);
            await loadReplies();
          }}
        />
      )}
      {replies && replies.length > 0 && (
        <ul className="ar-replies" data-testid="replies">
          {replies.map((reply) => (
            <CommentItem key={reply._id} initial={reply} depth={depth + 1} onGone={() => void loadReplies()} />
          ))}
        </ul>
      )}
    </li>
  );
}

export default function Comments({ puzzleId, initial }: { puzzleId: string; initial: Comment[] }) {
  const { me } = useSession();
  const [comments, setComments] = useState(initial);
  return (
    <section className="ar-card" aria-labelledby="comments-title" data-testid="comments">
      <h2 id="comments-title">
        Discussion <span className="ar-count">{comments.length}</span>
      </h2>
      {me ? (
        <CommentForm
          label="Share a hint or ask a question (no spoilers)"
          cta="Comment"
          onSend={async (text) => {
            const created = await arena.comment(puzzleId, text);
            setComments((current) => [...current, created]);
          }}
        />
      ) : (
        <p className="ar-muted">
          <Link to={`/arena/login?next=${encodeURIComponent(window.location.pathname)}`}>Sign in</Link> to join the discussion.
        </p>
      )}
      {comments.length === 0 ? (
        <p className="ar-muted" data-testid="comments-empty">
          No comments yet. Be the first to start the discussion.
        </p>
      ) : (
        <ul className="ar-comments">
          {comments.map((comment) => (
            <CommentItem key={comment._id} initial={comment} depth={0} onGone={() => setComments((current) => current.filter((item) => item._id !== comment._id))} />
          ))}
        </ul>
      )}
    </section>
  );
}
