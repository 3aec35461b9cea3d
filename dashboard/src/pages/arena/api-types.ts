// GENERATED FILE: do not edit. Regenerate with `make types`, i.e.
//   sparkhouse arena gen-types --dest dashboard/src/pages/arena/api-types.ts
// from the arena's pydantic models (the registry in appliance/arena/typegen.py) through their
// JSON Schema (requests as validated, answers as serialised, by alias) with the npm
// json-schema-to-typescript. `make test` fails when this copy differs from a fresh one.
/* eslint-disable */

export type GameVisibility = "public" | "private";
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
export type SubmissionOutcome = "success" | "error" | "unknown";
export type GameStatus = "waiting" | "in_progress" | "finished";
export type Difficulty = "beginner" | "intermediate" | "advanced" | "expert";
export type PuzzleVisibility =
  "draft" | "ready" | "review" | "revise" | "approved" | "inactive" | "archived";
export type Tag =
  | "algorithms"
  | "data_structures"
  | "mathematics"
  | "strings"
  | "arrays"
  | "math"
  | "graph_theory"
  | "dynamic_programming";
export type CommentType = "puzzle-comment" | "comment-comment";
export type BanType = "temporary" | "permanent";
export type Keymap = "vim" | "emacs" | "vscode";
export type GameBroadcastEvent =
  "game:update" | "player:submitted" | "chat:message" | "language:change";
export type GamePushEvent =
  | "game:join"
  | "game:leave"
  | "game:submit"
  | "player:submitted"
  | "chat:message"
  | "language:change";
export type LobbyBroadcastEvent =
  "rooms:overview" | "room:overview" | "room:chat-message" | "game:start" | "rooms:not-enough";
export type LobbyPushEvent =
  | "room:host"
  | "room:join"
  | "room:join-by-invite"
  | "room:leave"
  | "room:chat-message"
  | "rooms:overview"
  | "game:start";
export type Theme = "dark" | "light";
export type ProblemType = "puzzle" | "user" | "comment" | "game_chat";
export type ReportStatus = "pending" | "resolved" | "rejected";
export type ReviewType =
  | "pending_puzzle"
  | "reported_puzzle"
  | "reported_user"
  | "reported_comment"
  | "reported_game_chat";
export type Role = "user" | "moderator" | "admin";
export type VoteType = "upvote" | "downvote";
export type WsGameReceiveEvent =
  | "game:overview"
  | "game:finished"
  | "game:nonexistent"
  | "message:send"
  | "language:change"
  | "error";
export type WsGameSendEvent = "game:join" | "player:submitted" | "message:send" | "language:change";
export type WsLobbyReceiveEvent =
  | "rooms:overview"
  | "room:overview"
  | "room:chat-message"
  | "game:start"
  | "rooms:not-enough"
  | "error";
export type WsLobbySendEvent =
  | "room:host"
  | "room:join"
  | "room:join-by-invite"
  | "room:leave"
  | "room:chat-message"
  | "game:start";

/**
 * The live games. The Phoenix channels (lobby, game): each topic, what a client pushes (payload and ok reply) and what the server sends, by event name. CodinCod's /ws door (ws, wsGame): each path, what a client sends and what the server sends, by event name; a frame is the payload's fields beside `event` (WsFrame).
 */
export interface ArenaChannels {
  lobby: {
    topic: "waiting_room:lobby";
    push: {
      "game:start": RoomRef;
      "room:chat-message": RoomChat;
      "room:host": HostRoom;
      "room:join": RoomRef;
      "room:join-by-invite": InviteRef;
      "room:leave": RoomRef;
      "rooms:overview": Record<string, never>;
    };
    reply: {
      "game:start": GameStart;
      "room:chat-message": Record<string, never>;
      "room:host": RoomJoined;
      "room:join": RoomJoined;
      "room:join-by-invite": RoomJoined;
      "room:leave": RoomLeft;
      "rooms:overview": RoomsOverview;
    };
    broadcast: {
      "game:start": GameStart;
      "room:chat-message": RoomChatMessage;
      "room:overview": RoomOverview;
      "rooms:not-enough": NotEnough;
      "rooms:overview": RoomsOverview;
    };
  };
  game: {
    topic: `game:${string}`;
    push: {
      "chat:message": SendChat;
      "game:join": Record<string, never>;
      "game:leave": Record<string, never>;
      "game:submit": SubmitToGame;
      "language:change": LanguageChange;
      "player:submitted": Record<string, never>;
    };
    reply: {
      "chat:message": ChatSent;
      "game:join": GameJoined;
      "game:leave": Record<string, never>;
      "game:submit": GameLinked;
      "language:change": Record<string, never>;
      "player:submitted": GameJoined;
    };
    broadcast: {
      "chat:message": ChatSent;
      "game:update": GameUpdate;
      "language:change": LanguageChanged;
      "player:submitted": PlayerSubmitted;
    };
  };
  ws: {
    path: "/ws";
    send: {
      "game:start": RoomRef;
      "room:chat-message": RoomChat;
      "room:host": HostRoom;
      "room:join": RoomRef;
      "room:join-by-invite": InviteRef;
      "room:leave": RoomRef;
    };
    receive: {
      error: WsError;
      "game:start": GameStart;
      "room:chat-message": RoomChatMessage;
      "room:overview": RoomOverview;
      "rooms:not-enough": NotEnough;
      "rooms:overview": RoomsOverview;
    };
  };
  wsGame: {
    path: `/ws/game/${string}`;
    send: {
      "game:join": Record<string, never>;
      "language:change": LanguageChange;
      "message:send": SendChat;
      "player:submitted": Record<string, never>;
    };
    receive: {
      error: WsError;
      "game:finished": GameFinished;
      "game:nonexistent": WsError;
      "game:overview": GameUpdate;
      "language:change": LanguageChanged;
      "message:send": ChatSent;
    };
  };
}
/**
 * ``room:join``, ``room:leave``, ``game:start``: which room.
 */
export interface RoomRef {
  roomId: string;
}
/**
 * ``room:chat-message``: a line to the members of one's room (1–500 characters; not
 * kept).
 */
export interface RoomChat {
  roomId: string;
  message: string;
}
/**
 * ``room:host``: the options of the room (§7; the defaults when left out).
 */
export interface HostRoom {
  options?: GameOptions | null;
}
/**
 * §7: what a room is hosted with; defaults applied. Unknown keys are ignored.
 */
export interface GameOptions {
  /**
   * @maxItems 100
   */
  allowedLanguages?: string[];
  maxGameDurationInSeconds?: number;
  visibility?: GameVisibility;
  mode?: GameMode;
  rated?: boolean;
}
/**
 * ``room:join-by-invite``: a private room's code (case and blanks ignored).
 */
export interface InviteRef {
  inviteCode: string;
}
/**
 * ``game:start``: the reply to it, and pushed to the room's members (and to a late
 * joiner while the game runs).
 */
export interface GameStart {
  /**
   * /multiplayer/<gameId>
   */
  gameUrl: string;
  gameId: string;
  /**
   * ISO-8601 UTC, after the countdown
   */
  startTime: string;
}
/**
 * The reply to ``room:host``, ``room:join`` and ``room:join-by-invite``.
 */
export interface RoomJoined {
  roomId: string;
  /**
   * room:host, private
   */
  inviteCode?: string | null;
  room: Room;
}
/**
 * A waiting room: its members in the order they joined, the first one its owner.
 */
export interface Room {
  roomId: string;
  users: RoomMember[];
  owner: RoomMember;
  options: GameOptions;
  /**
   * Private rooms only
   */
  inviteCode?: string | null;
}
export interface RoomMember {
  userId: string;
  username: string;
  /**
   * ISO-8601 UTC
   */
  joinedAt: string;
}
/**
 * The reply to ``room:leave``.
 */
export interface RoomLeft {
  roomId: string;
}
/**
 * ``rooms:overview``: the public rooms (the lobby join's reply, and pushed after each
 * room change).
 */
export interface RoomsOverview {
  rooms: RoomSummary[];
}
export interface RoomSummary {
  roomId: string;
  amountOfPlayersJoined: number;
}
/**
 * ``room:chat-message``, to each member of the room (the sender too) who has not blocked
 * the sender.
 */
export interface RoomChatMessage {
  username: string;
  message: string;
  /**
   * ISO-8601 UTC
   */
  createdAt: string;
}
/**
 * ``room:overview``, to the members of a room that changed.
 */
export interface RoomOverview {
  room: Room;
}
/**
 * ``rooms:not-enough``: no approved puzzle to play.
 */
export interface NotEnough {
  message: string;
}
/**
 * ``chat:message``: ``{message}`` or, as CodinCod's frontend sends it,
 * ``{chatMessage: {message}}``; 1–160 characters.
 */
export interface SendChat {
  message?: string | null;
  chatMessage?: ChatText | null;
}
export interface ChatText {
  message: string;
}
/**
 * ``game:submit``: link one's fresh submission to the game (as ``POST /submission/game``).
 */
export interface SubmitToGame {
  submissionId: string;
  userId?: string | null;
}
/**
 * ``language:change``: the language one now writes in (1–100 characters).
 */
export interface LanguageChange {
  language: string;
}
/**
 * ``chat:message``: the reply to it, and broadcast to the game.
 */
export interface ChatSent {
  chatMessage: ChatMessage;
}
export interface ChatMessage {
  _id: string;
  username: string;
  message: string;
  /**
   * ISO-8601 UTC
   */
  createdAt: string;
}
/**
 * The reply to ``game:join`` and ``player:submitted``.
 */
export interface GameJoined {
  game: GameState;
}
export interface GameState {
  _id: string;
  owner: PlayerRef | null;
  puzzle: string;
  players: PlayerRef[];
  createdAt: string;
  startTime: string;
  endTime: string;
  options: GameOptions;
  playerSubmissions: GameSubmission[];
  status: GameStatus;
  standings: Standing[];
}
export interface PlayerRef {
  _id: string;
  username: string;
}
/**
 * A submission linked to the game, without its code.
 */
export interface GameSubmission {
  _id: string;
  user: PlayerRef;
  programmingLanguage: string;
  result: GameResult;
  codeLength: number;
  /**
   * ISO-8601 UTC
   */
  createdAt: string;
}
export interface GameResult {
  result: SubmissionOutcome;
  successRate: number;
  passed: number;
  failed: number;
  total: number;
}
/**
 * A player's place by the game's mode (§9.1), best first.
 */
export interface Standing {
  rank: number;
  userId: string;
  username: string;
  submissionId: string;
  score: number;
  successRate: number;
  /**
   * Seconds from the game's creation
   */
  timeSpent: number;
  codeLength: number;
}
/**
 * The reply to ``game:submit`` and ``POST /submission/game``'s 201.
 */
export interface GameLinked {
  success: boolean;
  message: string;
  game: LinkedGame;
  leaderboardPosition?: number | null;
}
export interface LinkedGame {
  id: string;
  status: GameStatus;
  playerCount: number;
}
/**
 * ``game:update``: the game (the join's reply carries its puzzle, without the solution;
 * the end of the game carries the final ``standings``).
 */
export interface GameUpdate {
  game: GameState;
  puzzle?: PuzzleDto | null;
  standings?: Standing[] | null;
}
/**
 * A puzzle as CodinCod sends it: ``author`` an id or populated, ``comments`` (its
 * top-level comments) populated one level in ``GET /puzzle/:id`` and empty elsewhere,
 * ``solution`` only where the contract shows it; unset optional fields are left out.
 * Items of a list of puzzles carry no ``validators`` (a list stays one query; read a
 * puzzle by id for them).
 */
export interface PuzzleDto {
  _id: string;
  title: string;
  statement?: string | null;
  constraints?: string | null;
  author: string | AuthorDto;
  validators?: ValidatorDto[] | null;
  difficulty: Difficulty;
  visibility: PuzzleVisibility;
  solution?: SolutionDto | null;
  tags: Tag[];
  comments?: (string | CommentDto)[];
  moderationFeedback?: string | null;
  createdAt: string;
  updatedAt: string;
}
/**
 * A populated reference to a user (author, owner, player).
 */
export interface AuthorDto {
  _id: string;
  username: string;
  profile?: Profile | null;
  role: string;
}
/**
 * A user's profile, all optional. Fields without a value are left out of an answer
 * (CodinCod's frontend checks users with zod, whose ``optional()`` refuses ``null``, and
 * ``socials`` must be non-empty when present).
 */
export interface Profile {
  picture?: string | null;
  bio?: string | null;
  location?: string | null;
  socials?: string[] | null;
}
export interface ValidatorDto {
  _id: string;
  input: string;
  output: string;
  createdAt: string;
  updatedAt: string;
  testResult?: {
    [k: string]: unknown | undefined;
  } | null;
}
export interface SolutionDto {
  code: string;
  programmingLanguage?: string | LanguageDto | null;
}
/**
 * ``{_id, language, version, aliases[], runtime?}``: ``runtime`` only when there is one.
 */
export interface LanguageDto {
  _id: string;
  language: string;
  version: string;
  aliases: string[];
  runtime?: string | null;
}
/**
 * A comment as CodinCod sends it: ``author`` an id or populated, ``comments`` its replies'
 * ids or, one level down, the replies populated (each with its author, its own replies as
 * ids).
 */
export interface CommentDto {
  _id: string;
  author: string | AuthorDto;
  text: string;
  upvote: number;
  downvote: number;
  commentType: CommentType;
  comments: (string | CommentDto)[];
  parentId: string;
  createdAt: string;
  updatedAt: string;
}
/**
 * ``language:change``, to the game: who writes in which language now.
 */
export interface LanguageChanged {
  language: string;
  username: string;
}
/**
 * ``player:submitted``: who just linked a submission.
 */
export interface PlayerSubmitted {
  userId: string;
  username: string;
}
/**
 * ``/ws``'s ``error`` (a refusal, or ``parsing message failed`` for a frame it could not
 * read) and ``game:nonexistent`` (``Game not found``).
 */
export interface WsError {
  message: string;
}
/**
 * ``/ws/game``'s ``game:finished``: the ended game (on connect, and when it ends).
 */
export interface GameFinished {
  game: GameState;
}
export interface ActivityDto {
  puzzles: unknown[];
  submissions: SubmissionSummaryDto[];
}
/**
 * A submission without its code (a user's activity).
 */
export interface SubmissionSummaryDto {
  _id: string;
  puzzle: string;
  user: string;
  programmingLanguage:
    | {
        [k: string]: unknown | undefined;
      }
    | string;
  result: ResultDto;
  createdAt: string;
}
/**
 * A submission's result: CodinCod stores ``{result, successRate}``; the counts of §8
 * come with it.
 */
export interface ResultDto {
  result: SubmissionOutcome;
  successRate: number;
  passed: number;
  failed: number;
  total: number;
}
/**
 * An arena refusal (CodinCod): ``error`` a short label, ``message`` for people; invalid
 * input adds ``details`` [{path, message, code}].
 */
export interface ArenaError {
  error: string;
  message: string;
  [k: string]: unknown | undefined;
}
/**
 * One moderation action: who (``actor`` populated; null once the account is gone), what,
 * on what, when, and its particulars (``details``).
 */
export interface AuditEntry {
  _id: string;
  actor: UserRef | null;
  action: string;
  targetType: string;
  targetId: string;
  details: {
    [k: string]: unknown | undefined;
  };
  createdAt: string;
}
export interface UserRef {
  _id: string;
  username: string;
}
export interface AuditPage {
  data: AuditEntry[];
  pagination: Pagination;
}
export interface Pagination {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}
/**
 * ``GET /moderation/audit``: newest first, ``page`` ≥ 1 (1), ``limit`` 1–100 (20), of one
 * target type (``puzzle``, ``report``, ``user``) and one target id when given.
 */
export interface AuditQuery {
  page?: number;
  limit?: number;
  targetType?: ("puzzle" | "report" | "user") | null;
  targetId?: string | null;
  action?: string | null;
}
export interface Availability {
  isAvailable: boolean;
}
/**
 * A ban or unban: the reason (10–500). ``userId`` is accepted and unused (the path names
 * the user); CodinCod required it, its frontend never sends it (§3.10 DRIFT accepted).
 */
export interface BanBody {
  reason: string;
  userId?: string | null;
}
/**
 * A ban (§6 UserBan): ``bannedBy`` an id, or populated ``{_id, username}`` in a history.
 */
export interface BanDto {
  _id: string;
  userId: string;
  bannedBy: string | UserRef | null;
  banType: BanType;
  reason: string;
  startDate: string;
  endDate?: string | null;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface BanHistory {
  bans: BanDto[];
}
export interface Banned {
  message: string;
  ban: BanDto;
}
/**
 * ``?page&pageSize`` of a leaderboard (§3.11), never refused: page ≥ 1 (1); pageSize
 * clamped to 1–100 (50); a value that is no whole number is its default.
 */
export interface BoardQuery {
  page?: number;
  pageSize?: number;
}
/**
 * ``POST /puzzle/:id/comment`` and ``POST /comment/:id/comment``: the text, 1–320
 * characters. ``replyOn`` is accepted and ignored (CodinCod's); so is anything else.
 */
export interface CommentBody {
  text: string;
  /**
   * Accepted and ignored
   */
  replyOn?: {
    [k: string]: unknown | undefined;
  };
}
export interface ContextMessage {
  _id: string;
  username: string;
  message: string;
  createdAt: string;
  isReported: boolean;
}
/**
 * ``POST /puzzle``: only the title (4–128 characters); anything else is ignored.
 */
export interface CreateBody {
  title: string;
}
/**
 * ``editor``: the keymap and CodeMirror's switches, any of them. A PUT fills the ones
 * left out with their defaults; a PATCH changes only the ones sent.
 */
export interface EditorBody {
  keymap?: Keymap | null;
  lineNumbers?: boolean | null;
  highlightActiveLineGutter?: boolean | null;
  highlightSpecialChars?: boolean | null;
  history?: boolean | null;
  foldGutter?: boolean | null;
  drawSelection?: boolean | null;
  dropCursor?: boolean | null;
  allowMultipleSelections?: boolean | null;
  indentOnInput?: boolean | null;
  bracketMatching?: boolean | null;
  closeBrackets?: boolean | null;
  autocompletion?: boolean | null;
  rectangularSelection?: boolean | null;
  crosshairCursor?: boolean | null;
  highlightActiveLine?: boolean | null;
  highlightSelectionMatches?: boolean | null;
  defaultKeymap?: boolean | null;
  searchKeymap?: boolean | null;
  foldKeymap?: boolean | null;
  completionKeymap?: boolean | null;
  lintKeymap?: boolean | null;
  syntaxHighlighting?: boolean | null;
}
/**
 * The editor's settings, every one of them.
 */
export interface EditorDto {
  keymap?: Keymap;
  lineNumbers?: boolean;
  highlightActiveLineGutter?: boolean;
  highlightSpecialChars?: boolean;
  history?: boolean;
  foldGutter?: boolean;
  drawSelection?: boolean;
  dropCursor?: boolean;
  allowMultipleSelections?: boolean;
  indentOnInput?: boolean;
  bracketMatching?: boolean;
  closeBrackets?: boolean;
  autocompletion?: boolean;
  rectangularSelection?: boolean;
  crosshairCursor?: boolean;
  highlightActiveLine?: boolean;
  highlightSelectionMatches?: boolean;
  defaultKeymap?: boolean;
  searchKeymap?: boolean;
  foldKeymap?: boolean;
  completionKeymap?: boolean;
  lintKeymap?: boolean;
  syntaxHighlighting?: boolean;
}
/**
 * ``POST /execute``: Piston's ``run`` (and ``compile`` for compiled languages) and the
 * judgement; nothing is stored.
 */
export interface ExecuteAnswer {
  run?: StageDto | null;
  compile?: StageDto | null;
  puzzleResultInformation: PuzzleResultInformation;
}
/**
 * One stage of a run, as Piston sends it (stdout and stderr interleaved in ``output``).
 */
export interface StageDto {
  stdout: string;
  stderr: string;
  output: string;
  code: number | null;
  signal: string | null;
  [k: string]: unknown | undefined;
}
/**
 * The §8 judgement of the single test.
 */
export interface PuzzleResultInformation {
  /**
   * success or error
   */
  result: string;
  successRate: number;
  passed: number;
  failed: number;
  total: number;
}
/**
 * ``POST /execute``: ``code`` (≥ 1 character, ≤ 64 KiB), ``language`` (a Piston language
 * name or alias), and the single test: ``testInput`` (stdin) and ``testOutput`` (expected).
 */
export interface ExecuteBody {
  code: string;
  language: string;
  testInput?: string;
  testOutput?: string;
}
/**
 * ``POST /submission/game`` (§3.7): link one's fresh submission to a game.
 */
export interface GameSubmissionBody {
  gameId: string;
  submissionId: string;
  userId?: string | null;
}
export interface Glicko {
  rating: number;
  rd: number;
  volatility: number;
  lastUpdated: string;
}
/**
 * ``GET /programming-language``.
 */
export interface LanguageList {
  languages: LanguageDto[];
}
/**
 * A populated language reference: only its ``_id`` counts.
 */
export interface LanguageRef {
  _id: string;
}
export interface LeaderboardEntry {
  rank: number;
  userId: string;
  username: string;
  rating: number;
  glicko: Glicko;
  gamesPlayed: number;
  gamesWon: number;
  /**
   * 0–1
   */
  winRate: number;
  bestScore: number;
  averageScore: number;
}
/**
 * ``GET /leaderboard/:gameMode``: best rating first; ``lastUpdated`` is the latest
 * calculation among the entries (the epoch when there are none).
 */
export interface LeaderboardPage {
  gameMode: string;
  entries: LeaderboardEntry[];
  page: number;
  pageSize: number;
  totalEntries: number;
  totalPages: number;
  lastUpdated: string;
}
/**
 * ``POST /login``: an email or a username, and a password of the register rule.
 */
export interface LoginBody {
  identifier: string;
  password: string;
}
/**
 * ``GET /user/me``.
 */
export interface Me {
  isAuthenticated: boolean;
  userId: string;
  username: string;
  role: string;
}
export interface Message {
  message: string;
}
export interface ModeRanking {
  /**
   * Absent until the mode's ranks are computed
   */
  rank?: number | null;
  rating: number;
  gamesPlayed: number;
  winRate: number;
}
/**
 * ``?page&pageSize`` (§1): page ≥ 1 (1), pageSize 1–100 (10); strings are coerced.
 */
export interface PageQuery {
  page?: number;
  pageSize?: number;
}
/**
 * ``PUT`` / ``PATCH /account/preferences``: any of CodinCod's preferences DTO.
 *
 * ``blockedUsers``: up to :data:`MAX_BLOCKED` 24-hex ids (upper case is read as lower),
 * duplicates kept once, in the order first sent; never the caller's own id (validated with
 * ``context={"owner": account_id}``). Whether the ids name accounts is not checked: an
 * account deleted later would otherwise make the caller's own list, read and sent back,
 * invalid.
 */
export interface PreferencesBody {
  preferredLanguage?: string | null;
  theme?: Theme | null;
  blockedUsers?: string[] | null;
  editor?: EditorBody | null;
}
/**
 * The stored document: ``{_id, owner, preferredLanguage?, theme?, blockedUsers, editor,
 * createdAt, updatedAt}`` (the two optional ones absent when unset, as in Mongo).
 */
export interface PreferencesDto {
  _id: string;
  owner: string;
  preferredLanguage?: string | null;
  theme?: Theme | null;
  blockedUsers: string[];
  editor: EditorDto;
  createdAt: string;
  updatedAt: string;
}
/**
 * ``PUT /puzzle/:id`` (§3.4): the puzzle minus its author; unknown keys are dropped.
 *
 * ``difficulty`` and ``visibility`` take their defaults when omitted (CodinCod's); the other
 * optional fields keep their stored value when omitted; ``comments`` is never written here
 * (CodinCod's PUT emptied it: fixed); ``moderationFeedback`` is a moderator's to write.
 */
export interface PuzzleBody {
  title: string;
  statement?: string | null;
  constraints?: string | null;
  validators?: ValidatorBody[] | null;
  difficulty?: Difficulty;
  visibility?: PuzzleVisibility;
  solution: SolutionBody;
  tags?:
    | []
    | [Tag]
    | [Tag, Tag]
    | [Tag, Tag, Tag]
    | [Tag, Tag, Tag, Tag]
    | [Tag, Tag, Tag, Tag, Tag]
    | [Tag, Tag, Tag, Tag, Tag, Tag]
    | [Tag, Tag, Tag, Tag, Tag, Tag, Tag]
    | [Tag, Tag, Tag, Tag, Tag, Tag, Tag, Tag]
    | null;
  moderationFeedback?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
}
/**
 * A validator in ``PUT /puzzle/:id``: ``input`` and ``output``, right-trimmed. ``_id``
 * keeps an existing validator's identity; its dates and ``testResult`` are the server's
 * (accepted, not required, not taken).
 */
export interface ValidatorBody {
  _id?: string | null;
  input: string;
  output: string;
  createdAt?: string | null;
  updatedAt?: string | null;
  testResult?: {
    [k: string]: unknown | undefined;
  } | null;
}
/**
 * The reference solution: ``code`` ("" by default) and its ``programmingLanguage``, an
 * id or a language object with ``_id``.
 */
export interface SolutionBody {
  code?: string;
  programmingLanguage?: string | LanguageRef | null;
}
export interface PuzzleModerated {
  message: string;
  puzzle: PuzzleDto;
}
export interface PuzzlePage {
  page: number;
  pageSize: number;
  totalPages: number;
  totalItems: number;
  items: PuzzleDto[];
}
/**
 * @fastify/rate-limit's answer.
 */
export interface RateLimited {
  statusCode: number;
  error: string;
  message: string;
  retryAfter: number;
}
/**
 * ``POST /leaderboard/recalculate``: games counted per mode by this run.
 */
export interface Recalculation {
  success?: boolean;
  message: string;
  processedGames: {
    [k: string]: number | undefined;
  };
  totalProcessed: number;
}
/**
 * An ``error`` reply: ``reason`` (CodinCod's refusal, or ``unauthorized`` on join),
 * ``message`` for people; some carry more (``status``, ``detail``, ``event``).
 */
export interface Refusal {
  reason: string;
  message: string;
  status?: number | null;
  detail?: string | null;
  [k: string]: unknown | undefined;
}
/**
 * ``POST /register``: email, username 3–20 of ``[A-Za-z0-9_-]``, password ≥ 14.
 */
export interface RegisterBody {
  email: string;
  username: string;
  password: string;
}
/**
 * ``POST /report``: the id of what is reported, its type, and why — free text of 25–1024
 * characters, spaces and all (CodinCod's pattern refused spaces: §3.9 QUIRK fixed).
 */
export interface ReportBody {
  problematicIdentifier: string;
  problemType: ProblemType;
  explanation: string;
}
/**
 * A report as CodinCod stores it.
 */
export interface ReportDto {
  _id: string;
  problematicIdentifier: string;
  problemType: ProblemType;
  reportedBy: string;
  explanation: string;
  status: ReportStatus;
  resolvedBy?: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface ReportResolved {
  message: string;
  report: ReportDto;
}
/**
 * ``POST /moderation/report/:id/resolve``: upheld (``resolved``) or not (``rejected``).
 */
export interface ResolveBody {
  status: "resolved" | "rejected";
}
/**
 * An item of a review queue (§3.10): a ready puzzle (``authorName``) or a pending report
 * (``reportExplanation``, ``reportedBy``; for game chat ``gameId`` and ``contextMessages``).
 */
export interface ReviewItem {
  id: string;
  type: ReviewType;
  title: string;
  description?: string | null;
  createdAt: string;
  authorName?: string | null;
  reportExplanation?: string | null;
  reportedBy?: string | null;
  gameId?: string | null;
  contextMessages?: ContextMessage[] | null;
}
/**
 * ``{data, pagination: {page, limit, total, totalPages}}``.
 */
export interface ReviewPage {
  data: ReviewItem[];
  pagination: Pagination;
}
/**
 * ``GET /moderation/review``: the queue (pending puzzles by default), ``page`` ≥ 1 (1),
 * ``limit`` 1–100 (20).
 */
export interface ReviewQuery {
  type?: ReviewType;
  page?: number;
  limit?: number;
}
/**
 * ``POST /moderation/puzzle/:id/revise``: why it goes back, 10–500 characters.
 */
export interface ReviseBody {
  reason: string;
}
/**
 * ``POST /submission``: ``{puzzleId, programmingLanguageId | programmingLanguage, code,
 * userId?}``. The language key is either CodinCod's backend's (``programmingLanguageId``)
 * or its frontend's (``programmingLanguage``, an id or the language object, §11.1).
 * ``userId`` is optional: the owner is the token's user, and a body naming another user is
 * refused by the service.
 */
export interface SubmissionBody {
  puzzleId: string;
  programmingLanguageId?: string | null;
  programmingLanguage?: string | null;
  code: string;
  userId?: string | null;
}
/**
 * ``POST /submission``'s 201: CodinCod's documented answer (``submissionId``,
 * ``puzzleId``, ``programmingLanguageId``, ``userId``, ``codeLength``) and the submission
 * DTO its frontend expects (``_id``, ``puzzle``, ``user``, ``programmingLanguage``), in
 * one (§3.7 DRIFT).
 */
export interface SubmissionCreated {
  submissionId: string;
  _id: string;
  code: string;
  puzzleId: string;
  puzzle: string;
  programmingLanguageId: string;
  programmingLanguage: {
    [k: string]: unknown | undefined;
  };
  userId: string;
  user: string;
  result: ResultDto;
  createdAt: string;
  codeLength: number;
}
/**
 * ``GET /submission/:id``: the stored submission with its code, the language populated.
 */
export interface SubmissionDto {
  _id: string;
  puzzle: string;
  user: string;
  programmingLanguage:
    | {
        [k: string]: unknown | undefined;
      }
    | string;
  result: ResultDto;
  createdAt: string;
  code: string;
  codeLength: number;
}
/**
 * A temporary ban: ``durationMs`` > 0 (CodinCod's API) or ``duration`` in days > 0 (its
 * frontend's); ``durationMs`` wins when both come. At most 100 years.
 */
export interface TemporaryBanBody {
  reason: string;
  userId?: string | null;
  durationMs?: number | null;
  duration?: number | null;
}
/**
 * ``GET /user/:username/activity``.
 */
export interface UserActivity {
  message: string;
  user: UserDto;
  activity: ActivityDto;
}
/**
 * A user as anyone may see them: never the email, password or counters (§3.2).
 */
export interface UserDto {
  _id: string;
  username: string;
  profile?: Profile | null;
  role: string;
  currentBan: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface UserFound {
  message: string;
  user: UserDto;
}
/**
 * ``GET /leaderboard/user/:id``: only the modes the user has played.
 */
export interface UserRankings {
  userId: string;
  username: string;
  rankings: {
    [k: string]: ModeRanking | undefined;
  };
}
/**
 * ``POST /comment/:id/vote``: ``upvote`` or ``downvote``. The same type again takes the
 * vote back; the other type switches it.
 */
export interface VoteBody {
  type: VoteType;
}

/** Each enum's values, in the server's order (for pickers and checks). */
export const ARENA_ENUMS = {
  Role: ["user", "moderator", "admin"],
  Difficulty: ["beginner", "intermediate", "advanced", "expert"],
  PuzzleVisibility: ["draft", "ready", "review", "revise", "approved", "inactive", "archived"],
  Tag: ["algorithms", "data_structures", "mathematics", "strings", "arrays", "math", "graph_theory", "dynamic_programming"],
  GameMode: ["fastest", "shortest", "backwards", "hardcore", "debug", "typeracer", "efficiency", "incremental", "random"],
  GameVisibility: ["public", "private"],
  GameStatus: ["waiting", "in_progress", "finished"],
  BanType: ["temporary", "permanent"],
  CommentType: ["puzzle-comment", "comment-comment"],
  VoteType: ["upvote", "downvote"],
  ProblemType: ["puzzle", "user", "comment", "game_chat"],
  ReportStatus: ["pending", "resolved", "rejected"],
  ReviewType: ["pending_puzzle", "reported_puzzle", "reported_user", "reported_comment", "reported_game_chat"],
  Keymap: ["vim", "emacs", "vscode"],
  Theme: ["dark", "light"],
  SubmissionOutcome: ["success", "error", "unknown"],
  LobbyPushEvent: ["room:host", "room:join", "room:join-by-invite", "room:leave", "room:chat-message", "rooms:overview", "game:start"],
  LobbyBroadcastEvent: ["rooms:overview", "room:overview", "room:chat-message", "game:start", "rooms:not-enough"],
  GamePushEvent: ["game:join", "game:leave", "game:submit", "player:submitted", "chat:message", "language:change"],
  GameBroadcastEvent: ["game:update", "player:submitted", "chat:message", "language:change"],
  WsLobbySendEvent: ["room:host", "room:join", "room:join-by-invite", "room:leave", "room:chat-message", "game:start"],
  WsLobbyReceiveEvent: ["rooms:overview", "room:overview", "room:chat-message", "game:start", "rooms:not-enough", "error"],
  WsGameSendEvent: ["game:join", "player:submitted", "message:send", "language:change"],
  WsGameReceiveEvent: ["game:overview", "game:finished", "game:nonexistent", "message:send", "language:change", "error"],
} as const satisfies { [name: string]: readonly string[] };

/** The live games' topics: the lobby, and a game's by its id. */
export const LOBBY_TOPIC = "waiting_room:lobby";
export const GAME_TOPIC_PREFIX = "game:";

/** CodinCod's /ws door: the waiting room's path, and a game's by its id. */
export const WS_LOBBY_PATH = "/ws";
export const WS_GAME_PATH_PREFIX = "/ws/game/";

/** A /ws frame: the event's name beside its payload's fields (none: just the name). */
export type WsFrame<Events> = {
  [E in keyof Events]: { event: E } & (Events[E] extends Record<string, never>
    ? unknown
    : Events[E]);
}[keyof Events];
export type WsLobbySendFrame = WsFrame<ArenaChannels["ws"]["send"]>;
export type WsLobbyReceiveFrame = WsFrame<ArenaChannels["ws"]["receive"]>;
export type WsGameSendFrame = WsFrame<ArenaChannels["wsGame"]["send"]>;
export type WsGameReceiveFrame = WsFrame<ArenaChannels["wsGame"]["receive"]>;
