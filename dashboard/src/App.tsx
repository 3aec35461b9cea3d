import { Suspense, useEffect, useRef } from "react";
import { API_DOCS_PATH, routes } from "./routes";
import NotFound from "./pages/NotFound";
import { Link, ParamsProvider, RoutesProvider, findRoute, matchPath, usePathname } from "./lib/router";
import { useSocketState, type SocketState } from "./lib/socket";
import { useSystem } from "./lib/system";
import { useApplyTheme } from "./lib/theme";
import { ThemeSwitch } from "./components/ThemeSwitch";

type NavItem = { path: string; title: string };

const SOCKET_LABEL: Record<SocketState, string> = {
  connected: "Live",
  connecting: "Connecting",
  disconnected: "Offline",
};

function isActive(itemPath: string, pathname: string): boolean {
  if (itemPath === "/") return pathname === "/";
  return matchPath(itemPath, pathname) !== null || pathname.startsWith(`${itemPath.replace(/\/$/, "")}/`);
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" className="logo-bg" />
      <circle cx="16" cy="16" r="5.5" className="logo-core" />
      <circle cx="16" cy="16" r="10.5" className="logo-ring" />
    </svg>
  );
}

function Header({ pathname }: { pathname: string }) {
  const { data } = useSystem();
  const socketState = useSocketState();

  // Home first, then every part the server runs that has a page here (no dead links).
  // Until /api/system answers, the registered pages stand in.
  const items: NavItem[] = [{ path: "/", title: "Home" }];
  if (data) {
    for (const part of data.parts) {
      if (findRoute(routes, part.path)) items.push({ path: part.path, title: part.title });
    }
  } else {
    for (const route of routes) {
      if (route.path !== "/" && route.path !== API_DOCS_PATH && !route.path.includes(":")) items.push({ path: route.path.replace(/\/\*$/, ""), title: route.title });
    }
  }
  items.push({ path: API_DOCS_PATH, title: "API" });

  // On a phone the list scrolls sideways: bring the current page's item into view (centred)
  // when the page or the list changes, so "Analytics" never starts off-screen.
  const listRef = useRef<HTMLUListElement>(null);
  const itemsKey = items.map((item) => item.path).join(" ");
  useEffect(() => {
    const list = listRef.current;
    const current = list?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!list || !current) return;
    const listBox = list.getBoundingClientRect();
    const box = current.getBoundingClientRect();
    if (box.left >= listBox.left && box.right <= listBox.right) return;
    list.scrollLeft += box.left - listBox.left - (listBox.width - box.width) / 2;
  }, [pathname, itemsKey]);

  return (
    <header className="site-header">
      <div className="header-inner">
        <Link to="/" className="brand" aria-label="Sparkhouse home">
          <Logo />
          <span className="brand-name">Sparkhouse</span>
        </Link>
        <nav className="site-nav" aria-label="Main">
          <ul ref={listRef}>
            {items.map((item) => (
              <li key={item.path}>
                <Link to={item.path} aria-current={isActive(item.path, pathname) ? "page" : undefined}>
                  {item.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-tools">
          <ThemeSwitch />
          <div
            className={`live live-${socketState}`}
            data-testid="socket-indicator"
            title={`Realtime socket: ${socketState}`}
            aria-label={`Realtime socket ${socketState}`}
            role="status"
          >
            <span className="state-dot" aria-hidden="true" />
            <span className="live-label">{SOCKET_LABEL[socketState]}</span>
          </div>
        </div>
      </div>
    </header>
  );
}

export default function App() {
  const pathname = usePathname();
  const match = findRoute(routes, pathname);
  const { data } = useSystem();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useApplyTheme(pathname); // on every page, so the theme never flips as you move around

  const title = match?.route.title ?? "Not found";
  useEffect(() => {
    document.title = match?.route.path === "/" ? "Sparkhouse" : `${title} · Sparkhouse`;
  }, [title, match?.route.path]);

  // On navigation: back to the top, and focus the page so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  return (
    <RoutesProvider routes={routes}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header pathname={pathname} />
      <main id="main" ref={mainRef} tabIndex={-1} className="site-main">
        <Suspense fallback={<p className="muted page">Loading…</p>}>
          {match ? (
            <ParamsProvider key={match.route.path} params={match.params}>
              {match.route.element}
            </ParamsProvider>
          ) : (
            <NotFound />
          )}
        </Suspense>
      </main>
      <footer className="site-footer">
        <div className="footer-inner">
          <span>Sparkhouse {data ? `v${data.version}` : ""}</span>
          <span className="muted">
            Self-hosted · <a href="/healthz">health</a> · <a href="/api/system">/api/system</a>
          </span>
        </div>
      </footer>
    </RoutesProvider>
  );
}
