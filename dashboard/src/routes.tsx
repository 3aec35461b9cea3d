/**
 * Every page of the dashboard, in one list. To add yours:
 *
 *   import Clicker from "./pages/Clicker";
 *   { path: "/clicker", title: "Clicker", element: <Clicker /> },
 *
 * `path` is exact ("/clicker"), takes parameters ("/game/:id" → useParams().id) or a trailing
 * wildcard ("/arena/*" also matches "/arena/puzzles/3"). The first match wins. A part listed by
 * /api/system shows in the navigation once a route here matches its path. For a big page, load it
 * on demand: `const Arena = lazy(() => import("./pages/Arena"));` (a Suspense boundary is in place).
 */
import { lazy } from "react";
import type { RouteDef } from "./lib/router";
import Board from "./pages/Board";
import Clicker from "./pages/Clicker";
import Home from "./pages/Home";
import Rooms from "./pages/Rooms";

const Analytics = lazy(() => import("./pages/analytics/Analytics"));
const SharedDashboard = lazy(() => import("./pages/analytics/SharedDashboard"));
const ApiDocs = lazy(() => import("./pages/ApiDocs"));
const Arena = lazy(() => import("./pages/arena/Arena"));

/** The API reference, linked from the navigation after the parts. */
export const API_DOCS_PATH = "/docs/api";

export const routes: RouteDef[] = [
  { path: "/", title: "Home", element: <Home /> },
  { path: "/board", title: "Spark board", element: <Board /> },
  { path: "/clicker", title: "Clicker", element: <Clicker /> },
  { path: "/rooms", title: "Rooms", element: <Rooms /> },
  { path: "/analytics/*", title: "Analytics", element: <Analytics /> },
  { path: "/arena/*", title: "Arena", element: <Arena /> },
  { path: "/share/:id", title: "Shared dashboard", element: <SharedDashboard /> },
  { path: API_DOCS_PATH, title: "API", element: <ApiDocs /> },
];
