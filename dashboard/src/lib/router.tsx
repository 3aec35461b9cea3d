/**
 * A small client-side router on the History API.
 *
 * Paths are matched by `matchPath`: literal segments, `:name` parameters and a trailing `*`
 * (e.g. "/arena/*" matches "/arena" and "/arena/games/7"). Pages read parameters with
 * `useParams()` and move with `<Link to>` or `navigate()`.
 */
import {
  createContext,
  useContext,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from "react";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== "undefined") {
  window.addEventListener("popstate", notify);
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function currentPath(): string {
  return window.location.pathname;
}

/** The current pathname; re-renders on navigation and on back/forward. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath, () => "/");
}

/** Go to a same-origin path (pushState), or replace the current entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, "", target);
  else window.history.pushState(null, "", target);
  notify();
}

export type Params = Record<string, string>;

/** Match a pattern ("/board", "/game/:id", "/arena/*") against a pathname. */
export function matchPath(pattern: string, pathname: string): Params | null {
  const clean = (p: string) => p.replace(/\/+$/, "").split("/").filter(Boolean);
  const want = clean(pattern);
  const have = clean(pathname);
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment === "*" && i === want.length - 1) {
      params["*"] = have.slice(i).join("/");
      return params;
    }
    const value = have[i];
    if (value === undefined) return null;
    if (segment.startsWith(":")) params[segment.slice(1)] = decodeURIComponent(value);
    else if (segment !== value) return null;
  }
  return have.length === want.length ? params : null;
}

const ParamsContext = createContext<Params>({});

export function ParamsProvider({ params, children }: { params: Params; children: ReactNode }) {
  return <ParamsContext.Provider value={params}>{children}</ParamsContext.Provider>;
}

/** The `:name` (and `*`) values of the route that rendered this page. */
export function useParams(): Params {
  return useContext(ParamsContext);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { to: string };

/** An <a> that navigates without a reload (plain click only; modified clicks open normally). */
export function Link({ to, onClick, target, ...rest }: LinkProps) {
  function handle(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (target && target !== "_self")
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} target={target} onClick={handle} {...rest} />;
}

/** One page of the app; the list lives in src/routes.tsx. */
export type RouteDef = {
  /** "/board", "/game/:id", "/arena/*" (see matchPath). */
  path: string;
  /** Used for the tab title and, when no part names it, the navigation. */
  title: string;
  element: ReactNode;
};

export function findRoute(routes: readonly RouteDef[], pathname: string): { route: RouteDef; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

const RoutesContext = createContext<readonly RouteDef[]>([]);

export function RoutesProvider({ routes, children }: { routes: readonly RouteDef[]; children: ReactNode }) {
  return <RoutesContext.Provider value={routes}>{children}</RoutesContext.Provider>;
}

/** Whether the app has a page for `path` (so a link to it is not a dead end). */
export function useHasPage(): (path: string) => boolean {
  const routes = useContext(RoutesContext);
  return (path: string) => findRoute(routes, path) !== null;
}
