/** The CLI's default server; other origins need `--url`. */
export const DEFAULT_CLI_URL = "http://127.0.0.1:4000";

/** " --url <origin>" when this page is not served from the CLI's default URL, else "". */
export function cliUrlFlag(origin: string = window.location.origin): string {
  return origin === DEFAULT_CLI_URL ? "" : ` --url ${origin}`;
}
