/** Starter code per language, and the code a player last wrote (kept in localStorage). */
import type { Language } from "./types";

export function starter(language: string): string {
  const key = language.toLowerCase();
  if (key.startsWith("py")) return "import sys\n\nfor line in sys.stdin:\n    line = line.rstrip(\"\\n\")\n    print(line)\n";
  if (key.startsWith("java") || key === "js" || key === "node")
    return 'const lines = require("fs").readFileSync(0, "utf8").split("\\n");\n\nconsole.log(lines[0]);\n';
  if (key === "bash" || key === "sh") return "while IFS= read -r line; do\n  echo \"$line\"\ndone\n";
  return "";
}

const key = (scope: string, language: string) => `sparkhouse.arena.code.${scope}.${language}`;

export function savedCode(scope: string, language: string): string | null {
  try {
    return window.localStorage.getItem(key(scope, language));
  } catch {
    return null;
  }
}

export function saveCode(scope: string, language: string, code: string): void {
  try {
    window.localStorage.setItem(key(scope, language), code);
  } catch {
    // storage full or off: the code stays in the editor
  }
}

const LANGUAGE_KEY = "sparkhouse.arena.language";

export function preferredLanguage(languages: Language[]): Language | undefined {
  let wanted: string | null = null;
  try {
    wanted = window.localStorage.getItem(LANGUAGE_KEY);
  } catch {
    wanted = null;
  }
  return languages.find((item) => item.language === wanted) ?? languages.find((item) => item.language === "python") ?? languages[0];
}

export function rememberLanguage(language: string): void {
  try {
    window.localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // ignore
  }
}

export function languageLabel(language: Language): string {
  const names: Record<string, string> = { python: "Python", javascript: "JavaScript", bash: "Bash" };
  return `${names[language.language] ?? language.language} ${language.version}`;
}
