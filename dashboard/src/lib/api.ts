/**
 * Typed JSON over fetch, same origin.
 *
 *   const info = await fetchJson<SystemInfo>("/api/system");
 *   await fetchJson("/api/10/20", { method: "POST", json: { ... } });
 *
 * A non-2xx answer throws ApiError with the status and the parsed body (our envelope
 * `{"error": {"code", "message", "field"}}`, sparks' `{"errors": {field: [..]}}`, or any shape).
 */

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export type FetchJsonInit = Omit<RequestInit, "body"> & {
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  body?: BodyInit | null;
};

function describe(status: number, body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") {
      return (error as { message: string }).message;
    }
    if (typeof error === "string") return error;
    const errors = record.errors;
    if (errors && typeof errors === "object") {
      return Object.entries(errors as Record<string, unknown>)
        .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(", ") : String(messages)}`)
        .join("; ");
    }
  }
  return `${status} ${fallback}`.trim();
}

export async function fetchJson<T = unknown>(url: string, init: FetchJsonInit = {}): Promise<T> {
  const { json, headers, ...rest } = init;
  const finalHeaders = new Headers(headers);
  if (!finalHeaders.has("accept")) finalHeaders.set("accept", "application/json");
  let body = rest.body;
  if (json !== undefined) {
    finalHeaders.set("content-type", "application/json");
    body = JSON.stringify(json);
  }
  const response = await fetch(url, { credentials: "same-origin", ...rest, headers: finalHeaders, body });
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, parsed, describe(response.status, parsed, response.statusText));
  }
  return parsed as T;
}
