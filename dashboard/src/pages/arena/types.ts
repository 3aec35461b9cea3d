/**
 * The arena API's types as the pages use them: the generated ones (`api-types.ts`, from the
 * server's models by `make types`) under the names the pages know, and the few shapes the
 * pages read looser than the server sends them (a page built before the answer arrives, a
 * reference that is an id or populated).
 */
import type * as Api from "./api-types";

export type Id = string;
export type Role = Api.Role;
export type Difficulty = Api.Difficulty;
export type Visibility = Api.PuzzleVisibility;
export type GameMode = Api.GameMode;
export type Me = Api.Me;

export type Author = Api.AuthorDto;

export type Page<T> = { page: number; pageSize: number; totalPages: number; totalItems: number; items: T[] };

export type Language = Api.LanguageDto;
export type TestResult = { passed?: boolean; [key: string]: unknown };

export type Validator = {
  _id?: Id;
  input: string;
  output: string;
  createdAt?: string;
  updatedAt?: string;
  testResult?: TestResult | null;
};

export type Comment = Api.CommentDto;
export type Puzzle = Api.PuzzleDto;

export type ResultInfo = Api.ResultDto;

export type Stage = Api.StageDto;

export type ExecuteAnswer = Api.ExecuteAnswer;

export type Submission = {
  _id: Id;
  submissionId: Id;
  code: string;
  puzzle: Id;
  programmingLanguage: Language;
  user: Id;
  result: ResultInfo;
  createdAt: string;
  codeLength: number;
};

export type UserDto = Api.UserDto;

export type GameOptions = Api.GameOptions;

export type RoomUser = { userId: Id; username: string; joinedAt: string };
export type Room = Api.Room;

export type RoomSummary = Api.RoomSummary;

export type Standing = Api.Standing;

export type PlayerSubmission = Api.GameSubmission;

export type Game = Api.GameState;

export type ChatMessage = Api.ChatMessage;

export type LeaderboardEntry = Api.LeaderboardEntry;

export type Leaderboard = Api.LeaderboardPage;

export type ReviewType = Api.ReviewType;
export type ReviewItem = Api.ReviewItem;

export type Paged<T> = { data: T[]; pagination: { page: number; limit: number; total: number; totalPages: number } };

export type AuditEntry = Api.AuditEntry;
