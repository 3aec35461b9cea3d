import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

// The build lands in the Python package (appliance/web/dist, relative to this folder), which
// Sanic serves: /assets/* from dist, index.html for every other browser path (SPA fallback).
export default defineConfig(({ mode }) => {
  // `npm run dev` proxies the API and the socket to a running `sparkhouse serve`
  // (SPARKHOUSE_URL, default http://127.0.0.1:4000).
  const backend = loadEnv(mode, ".", "SPARKHOUSE_").SPARKHOUSE_URL ?? "http://127.0.0.1:4000";
  return {
    base: "/",
    plugins: [react()],
    build: {
      outDir: "../appliance/web/dist",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: false,
      modulePreload: { polyfill: false },
      // Country flags stay files (fetched when shown): inlined, all 267 would sit in the JS.
      assetsInlineLimit: (file: string) => (file.includes("country-flag-icons") ? false : undefined),
    },
    server: {
      proxy: {
        "/api": backend,
        "/healthz": backend,
        "/socket": { target: backend, ws: true },
      },
    },
  };
});
