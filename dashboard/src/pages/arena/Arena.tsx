/** The arena (/arena/*): puzzles, author pages, multiplayer, leaderboard, profiles, moderation. */
import { Component, lazy, Suspense, type ReactNode } from "react";
import { Link, matchPath, navigate, usePathname } from "../../lib/router";
import { Login, Register } from "./Auth";
import Puzzles from "./Puzzles";
import { Loading, SessionContext, isModerator, useSession, useSessionState } from "./ui";
import "./arena.css";

const PuzzlePage = lazy(() => import("./PuzzlePage"));
const PuzzleEdit = lazy(() => import("./PuzzleEdit"));
const Lobby = lazy(() => import("./Lobby"));
const GamePage = lazy(() => import("./Game"));
const LeaderboardPage = lazy(() => import("./Leaderboard"));
const Profile = lazy(() => import("./Profile"));
const Moderation = lazy(() => import("./Moderation"));

/** A page that failed to load or render (a chunk gone after an upgrade, a bug): say so and offer a reload. */
class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Loading chunk|Importing a module script failed/i.test(this.state.error.message);
    return (
      <div className="ar-card" role="alert" data-testid="arena-crash">
        <h1>This page could not be shown</h1>
        <p>{chunk ? "The arena was probably updated while this tab was open." : `Something went wrong: ${this.state.error.message}`}</p>
        <p>
          <button type="button" className="button primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </p>
      </div>
    );
  }
}

type SubRoute = { path: string; render: (params: Record<string, string>) => ReactNode; title: string };

const SUB_ROUTES: SubRoute[] = [
  { path: "/arena", title: "Puzzles", render: () => <Puzzles /> },
  { path: "/arena/login", title: "Sign in", render: () => <Login /> },
  { path: "/arena/register", title: "Create an account", render: () => <Register /> },
  { path: "/arena/puzzles/new", title: "New puzzle", render: () => <PuzzleEdit /> },
  { path: "/arena/puzzles/:id/edit", title: "Edit puzzle", render: (p) => <PuzzleEdit key={p.id} id={p.id} /> },
  { path: "/arena/puzzles/:id", title: "Puzzle", render: (p) => <PuzzlePage key={p.id} id={p.id!} /> },
  { path: "/arena/play", title: "Play", render: () => <Lobby /> },
  { path: "/arena/game/:id", title: "Game", render: (p) => <GamePage key={p.id} id={p.id!} /> },
  { path: "/arena/leaderboard", title: "Leaderboard", render: () => <LeaderboardPage /> },
  { path: "/arena/users/:name", title: "Profile", render: (p) => <Profile key={p.name} name={p.name!} /> },
  { path: "/arena/moderation", title: "Moderation", render: () => <Moderation /> },
];

function ArenaNav({ pathname }: { pathname: string }) {
  const { me, loading, signOut } = useSession();
  const items = [
    { to: "/arena", label: "Puzzles", active: pathname === "/arena" || pathname.startsWith("/arena/puzzles") },
    { to: "/arena/play", label: "Play", active: pathname.startsWith("/arena/play") || pathname.startsWith("/arena/game") },
    { to: "/arena/leaderboard", label: "Leaderboard", active: pathname.startsWith("/arena/leaderboard") },
  ];
  if (isModerator(me)) items.push({ to: "/arena/moderation", label: "Moderation", active: pathname.startsWith("/arena/moderation") });
  return (
    <div className="ar-bar">
      <div className="ar-bar-brand">
        <span className="ar-bar-mark" aria-hidden="true">
          ⌘
        </span>
        <span className="ar-bar-title">Arena</span>
      </div>
      <nav className="ar-tabs" aria-label="Arena">
        {items.map((item) => (
          <Link key={item.to} to={item.to} className="ar-tab" aria-current={item.active ? "page" : undefined}>
            {item.label}
          </Link>
        ))}
      </nav>
      <div className="ar-bar-end">
        {loading ? null : me ? (
          <div className="ar-account" data-testid="arena-account">
            <Link to={`/arena/users/${encodeURIComponent(me.username)}`} className="ar-user-chip" data-testid="arena-me">
              <span className="ar-avatar" aria-hidden="true">
                {me.username.slice(0, 1).toUpperCase()}
              </span>
              <span className="ar-user-name">{me.username}</span>
            </Link>
            <button
              type="button"
              className="button ar-btn-s"
              data-testid="arena-logout"
              onClick={() => void signOut().then(() => navigate("/arena"))}
            >
              Sign out
            </button>
          </div>
        ) : (
          <div className="ar-account">
            <Link to="/arena/login" className="button ar-btn-s" data-testid="arena-login-link">
              Sign in
            </Link>
            <Link to="/arena/register" className="button primary ar-btn-s" data-testid="arena-register-link">
              Create account
            </Link>
          </div>
        )}
      </div>
    </div>
  );
}

export default function Arena() {
  const session = useSessionState();
  const pathname = usePathname().replace(/\/+$/, "") || "/arena";
  let content: ReactNode = null;
  let title = "Not found";
  for (const route of SUB_ROUTES) {
    const params = matchPath(route.path, pathname);
    if (params) {
      content = route.render(params);
      title = route.title;
      break;
    }
  }
  return (
    <SessionContext.Provider value={session}>
      <div className="ar-root page" data-testid="arena" data-page={title}>
        <ArenaNav pathname={pathname} />
        <PageBoundary key={pathname}>
        <Suspense fallback={<Loading />}>
          {content ?? (
            <div className="ar-card">
              <h1>Page not found</h1>
              <p>
                This arena page does not exist. <Link to="/arena">Back to the puzzles</Link>.
              </p>
            </div>
          )}
        </Suspense>
        </PageBoundary>
      </div>
    </SessionContext.Provider>
  );
}
