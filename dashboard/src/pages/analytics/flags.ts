/**
 * Country flags as images, the same on every system: emoji flags draw as letter pairs or boxes
 * on Windows and most Linux desktops. The SVGs are the npm `country-flag-icons` (3:2), each
 * bundled as a file of its own (vite.config.ts never inlines them) and fetched only when its
 * country is on screen.
 */
const FILES = import.meta.glob<string>("/node_modules/country-flag-icons/3x2/*.svg", {
  query: "?url",
  import: "default",
  eager: true,
});

const BY_CODE = new Map(
  Object.entries(FILES).map(([path, url]) => [path.slice(path.lastIndexOf("/") + 1, -".svg".length), url]),
);

/** The URL of a country's flag ("DE" → /assets/DE-….svg), or null for a code without one. */
export function flagUrl(code: string): string | null {
  return /^[A-Za-z]{2}$/.test(code) ? (BY_CODE.get(code.toUpperCase()) ?? null) : null;
}
