/**
 * Minimal hand-written types of the arena API (docs/arena.md), used until the generated
 * `api-types.ts` (`sparkhouse arena gen-types`) lands; then this file goes.
 */

export type Id = string;
export type Role = "user" | "moderator" | "admin";
export type Difficulty = "beginner" | "intermediate" | "advanced" | "expert";
export type Visibility = "draft" | "ready" | "review" | "revise" | "approved" | "inactive" | "archived";
export type GameMode =
  | "fastest"
  | "shortest"
  | "backwards"
  | "hardcore"
  | "debug"
  | "typeracer"
  | "efficiency"
  | "incremental"
  | "random";

export type Me = { isAuthenticated: boolean; userId: Id; username: string; role: Role };

export type Author = { _id: Id; username: string; role?: string };

export type Page<T> = { page: number; pageSize: number; totalPages: number; totalItems: number; items: T[] };

export type Language = { _id: Id; language: string; version: string; aliases: string[]; runtime?: string };

export type TestResult = { passed?: boolean; [key: string]: unknown };

export type Validator = {
  _id?: Id;
  input: string;
  output: string;
  createdAt?: string;
  updatedAt?: string;
  testResult?: TestResult | null;
};

export type Comment = {
  _id: Id;
  author: Author | Id;
  text: string;
  upvote: number;
  downvote: number;
  commentType: "puzzle-comment" | "comment-comment";
  comments: (Comment | Id)[];
  parentId: Id;
  createdAt: string;
  updatedAt: string;
};

export type Puzzle = {
  _id: Id;
  title: string;
  statement?: string;
  constraints?: string;
  author: Author | Id;
  validators?: Validator[];
  difficulty: Difficulty;
  visibility: Visibility;
  tags?: string[];
  comments?: (Comment | Id)[];
  solution?: { code: string; programmingLanguage?: Id | Language | null };
  moderationFeedback?: string;
  createdAt: string;
  updatedAt: string;
};

export type ResultInfo = { result: "success" | "error"; successRate: number; passed: number; failed: number; total: number };

export type Stage = { stdout: string; stderr: string; output: string; code: number | null; signal: string | null };

export type ExecuteAnswer = { run?: Stage | null; compile?: Stage | null; puzzleResultInformation: ResultInfo };

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

export type UserDto = {
  _id: Id;
  username: string;
  role: string;
  profile?: { picture?: string; bio?: string; location?: string; socials?: string[] };
  currentBan: Id | null;
  createdAt: string;
  updatedAt: string;
};

export type GameOptions = {
  mode: GameMode;
  maxGameDurationInSeconds: number;
  visibility: "public" | "private";
  allowedLanguages?: Id[];
  rated?: boolean;
};

export type RoomUser = { userId: Id; username: string; joinedAt: string };
export type Room = { roomId: Id; users: RoomUser[]; owner: RoomUser | Id | { userId: Id; username: string }; options: GameOptions; inviteCode?: string };
export type RoomSummary = { roomId: Id; amountOfPlayersJoined: number };

export type Standing = {
  rank: number;
  userId: Id;
  username: string;
  submissionId: Id;
  score: number;
  successRate: number;
  timeSpent: number;
  codeLength: number;
};

export type PlayerSubmission = {
  _id: Id;
  user: { _id: Id; username: string };
  programmingLanguage: Language | Id;
  result: ResultInfo;
  codeLength: number;
  createdAt: string;
};

export type Game = {
  _id: Id;
  owner: { _id: Id; username: string };
  puzzle: Puzzle | Id;
  players: { _id: Id; username: string }[];
  createdAt: string;
  startTime: string;
  endTime: string;
  options: GameOptions;
  playerSubmissions: PlayerSubmission[];
  status: "waiting" | "in_progress" | "finished";
  standings?: Standing[];
};

export type ChatMessage = { _id: Id; username: string; message: string; createdAt: string };

export type LeaderboardEntry = {
  rank: number;
  userId: Id;
  username: string;
  rating: number;
  glicko: { rating: number; rd: number; volatility: number; lastUpdated: string };
  gamesPlayed: number;
  gamesWon: number;
  winRate: number;
  bestScore: number;
  averageScore: number;
};

export type Leaderboard = {
  gameMode: GameMode;
  entries: LeaderboardEntry[];
  page: number;
  pageSize: number;
  totalEntries: number;
  totalPages: number;
  lastUpdated: string;
};

export type ReviewType = "pending_puzzle" | "reported_puzzle" | "reported_user" | "reported_comment" | "reported_game_chat";

export type ReviewItem = {
  id: Id;
  type: string;
  title: string;
  description?: string;
  createdAt: string;
  authorName?: string;
  reportExplanation?: string;
  reportedBy?: string;
  gameId?: Id;
  contextMessages?: (ChatMessage & { isReported?: boolean })[];
};

export type Paged<T> = { data: T[]; pagination: { page: number; limit: number; total: number; totalPages: number } };

export type AuditEntry = {
  _id: Id;
  actor: { _id: Id; username: string } | null;
  action: string;
  targetType: string;
  targetId: Id;
  details?: unknown;
  createdAt: string;
};
