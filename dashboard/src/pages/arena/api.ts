/** The arena's REST API (docs/arena.md), under /api/v1, with the `token` cookie. */
import { ApiError, fetchJson, type FetchJsonInit } from "../../lib/api";
import type { AuditPage, Banned, BanHistory, PuzzleModerated, ReportResolved, ReviewPage, ReviewType, UserRankings } from "./api-types";
import type {
  Comment,
  Difficulty,
  ExecuteAnswer,
  GameMode,
  Language,
  Leaderboard,
  Me,
  Page,
  Puzzle,
  Submission,
  UserDto,
  Validator,
} from "./types";

const BASE = "/api/v1";

/** An arena refusal, with the sentence to show (CodinCod's `{error, message, details}`). */
export class ArenaError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown, message: string) {
    super(message);
    this.name = "ArenaError";
    this.status = status;
    this.body = body;
  }
}

function sentence(status: number, body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const details = record.details;
    if (Array.isArray(details) && details.length > 0) {
      return details
        .map((item) => {
          const detail = item as { path?: string; message?: string };
          return detail.path ? `${detail.path}: ${detail.message ?? "invalid"}` : (detail.message ?? "invalid");
        })
        .join("; ");
    }
    if (typeof record.message === "string" && record.message) return record.message;
    if (typeof record.error === "string" && record.error) return record.error;
  }
  if (status === 401) return "Sign in to do this.";
  if (status === 403) return "You are not allowed to do this.";
  if (status === 429) return "Too many requests: wait a minute and try again.";
  if (status >= 500) return "The server could not answer. Try again in a moment.";
  return fallback;
}

async function call<T>(path: string, init: FetchJsonInit = {}): Promise<T> {
  try {
    return await fetchJson<T>(`${BASE}${path}`, init);
  } catch (error) {
    if (error instanceof ApiError) throw new ArenaError(error.status, error.body, sentence(error.status, error.body, error.message));
    if (error instanceof TypeError) throw new ArenaError(0, null, "The server cannot be reached. Check your connection and try again.");
    throw error;
  }
}

const post = <T>(path: string, json?: unknown) => call<T>(path, { method: "POST", json: json ?? {} });

export const arena = {
  me: () => call<Me>("/user/me"),
  register: (email: string, username: string, password: string) => post<{ message: string }>("/register", { email, username, password }),
  login: (identifier: string, password: string) => post<{ message: string }>("/login", { identifier, password }),
  logout: () => post<{ message: string }>("/logout"),
  usernameAvailable: (name: string) => call<{ isAvailable: boolean }>(`/user/${encodeURIComponent(name)}/isAvailable`),
  user: (name: string) => call<{ message: string; user: UserDto }>(`/user/${encodeURIComponent(name)}`),
  userActivity: (name: string) => call<Record<string, unknown>>(`/user/${encodeURIComponent(name)}/activity`),
  userPuzzles: (name: string, page = 1) => call<Page<Puzzle>>(`/user/${encodeURIComponent(name)}/puzzle?page=${page}&pageSize=20`),
  userRankings: (id: string) => call<UserRankings>(`/leaderboard/user/${id}`),

  languages: () => call<{ languages: Language[] }>("/programming-language"),

  puzzles: (page: number, pageSize: number) => call<Page<Puzzle>>(`/puzzle?page=${page}&pageSize=${pageSize}`),
  puzzle: (id: string) => call<Puzzle>(`/puzzle/${id}`),
  /** The puzzle with its reference solution (its author or a moderator). */
  puzzleWithSolution: (id: string) => call<Puzzle>(`/puzzle/${id}/solution`),
  createPuzzle: (title: string) => post<Puzzle>("/puzzle", { title }),
  savePuzzle: (id: string, body: PuzzleSave) => call<Puzzle>(`/puzzle/${id}`, { method: "PUT", json: body }),
  deletePuzzle: (id: string) => call<unknown>(`/puzzle/${id}`, { method: "DELETE" }),

  execute: (code: string, language: string, testInput: string, testOutput: string) =>
    post<ExecuteAnswer>("/execute", { code, language, testInput, testOutput }),
  submit: (puzzleId: string, programmingLanguageId: string, code: string) =>
    post<Submission>("/submission", { puzzleId, programmingLanguageId, code }),
  submission: (id: string) => call<Submission>(`/submission/${id}`),
  submitToGame: (gameId: string, submissionId: string) => post<{ success: boolean; leaderboardPosition?: number }>("/submission/game", { gameId, submissionId }),

  comment: (puzzleId: string, text: string) => post<Comment>(`/puzzle/${puzzleId}/comment`, { text }),
  reply: (commentId: string, text: string) => post<Comment>(`/comment/${commentId}/comment`, { text }),
  thread: (commentId: string) => call<Comment>(`/comment/${commentId}`),
  vote: (commentId: string, type: "upvote" | "downvote") => post<Comment>(`/comment/${commentId}/vote`, { type }),
  deleteComment: (commentId: string) => call<unknown>(`/comment/${commentId}`, { method: "DELETE" }),

  report: (problematicIdentifier: string, problemType: "puzzle" | "user" | "comment" | "game_chat", explanation: string) =>
    post<unknown>("/report", { problematicIdentifier, problemType, explanation }),

  leaderboard: (mode: GameMode, page: number) => call<Leaderboard>(`/leaderboard/${mode}?page=${page}&pageSize=25`),

  review: (type: ReviewType, page: number) => call<ReviewPage>(`/moderation/review?type=${type}&page=${page}&limit=20`),
  approve: (puzzleId: string) => post<PuzzleModerated>(`/moderation/puzzle/${puzzleId}/approve`),
  revise: (puzzleId: string, reason: string) => post<PuzzleModerated>(`/moderation/puzzle/${puzzleId}/revise`, { reason }),
  resolve: (reportId: string, status: "resolved" | "rejected") => post<ReportResolved>(`/moderation/report/${reportId}/resolve`, { status }),
  banTemporary: (userId: string, reason: string, days: number) => post<Banned>(`/moderation/user/${userId}/ban/temporary`, { reason, duration: days }),
  banPermanent: (userId: string, reason: string) => post<Banned>(`/moderation/user/${userId}/ban/permanent`, { reason }),
  unban: (userId: string, reason: string) => post<{ message: string }>(`/moderation/user/${userId}/unban`, { reason }),
  banHistory: (userId: string) => call<BanHistory>(`/moderation/user/${userId}/ban/history`),
  audit: (page: number) => call<AuditPage>(`/moderation/audit?page=${page}&limit=25`),
  recalculate: () => post<{ message: string; totalProcessed: number }>("/leaderboard/recalculate"),
};

export type PuzzleSave = {
  title: string;
  statement: string;
  constraints: string;
  difficulty: Difficulty;
  visibility: string;
  tags: string[];
  validators: Validator[];
  solution: { code: string; programmingLanguage: string | null };
};

export function errorText(error: unknown): string {
  if (error instanceof ArenaError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
