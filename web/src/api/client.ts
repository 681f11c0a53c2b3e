// The typed API client: every path, body and answer comes from the OpenAPI document the
// gateway serves (src/api/schema.d.ts is generated from gateway/openapi.json by `npm run api`),
// so a breaking change to the API fails the type check. The session rides in the gateway's
// HttpOnly cookies; an expired access token is refreshed once, then the request is retried.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Gig = Schemas["Gig"];
export type User = Schemas["User"];
export type OrderView = Schemas["OrderView"];
export type MessageView = Schemas["MessageView"];
export type ConversationView = Schemas["ConversationView"];
export type Notification = Schemas["Notification"];
export type Seller = Schemas["Seller"];
export type ReviewView = Schemas["ReviewView"];

/** A failed API call, as the platform's common error shape tells it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "ApiFailure";
  }

  /** The failure of an answer with `status` and JSON `body` (or none). */
  static from(status: number, body: unknown): ApiFailure {
    const detail = (body as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
    if (detail && typeof detail.message === "string") {
      return new ApiFailure(status, String(detail.code ?? "error"), detail.message, normaliseFields(detail.fields));
    }
    return new ApiFailure(status, "unavailable", status === 0 ? "The network is unreachable; try again." : `The server answered ${status}; try again.`);
  }
}

function normaliseFields(fields: unknown): Record<string, string[]> {
  if (!fields || typeof fields !== "object") return {};
  return Object.fromEntries(
    Object.entries(fields as Record<string, unknown>).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.map(String) : [String(value)],
    ]),
  );
}

/** Called when a refresh fails: the session is over (the app shows the signed-out state). */
let onSignedOut: () => void = () => {};
export function whenSignedOut(listener: () => void) {
  onSignedOut = listener;
}

let refreshing: Promise<boolean> | null = null;

/** Asks for a new access token with the refresh cookie; one request for many callers. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    // No body: the gateway hands auth the refresh cookie only in place of an empty one.
    credentials: "same-origin",
  })
    .then((answer) => answer.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

const NO_RETRY = ["/api/v1/auth/refresh", "/api/v1/auth/signin", "/api/v1/auth/signup", "/api/v1/auth/signout"];

async function fetchWithRefresh(request: Request): Promise<Response> {
  const retry = request.clone();
  const answer = await fetch(request);
  if (answer.status !== 401 || NO_RETRY.some((path) => request.url.includes(path))) return answer;
  if (await refreshSession()) return fetch(retry);
  onSignedOut();
  return answer;
}

export const api = createClient<paths>({
  // Absolute, as Request needs outside a browser (the component tests); the same origin.
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  fetch: fetchWithRefresh,
});

/** The data of an answer, or its failure thrown. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result;
  try {
    result = await call;
  } catch {
    throw ApiFailure.from(0, null);
  }
  if (result.error !== undefined || !result.response.ok) throw ApiFailure.from(result.response.status, result.error);
  return result.data as T;
}

/** A message for a person from anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  return "Something went wrong; try again.";
}

/** Money for people: `{amount: 6000, currency: "USD"}` is `$60.00`. */
export function formatMoney(money: { amount: number; currency: string }): string {
  return new Intl.NumberFormat("en", { style: "currency", currency: money.currency }).format(money.amount / 100);
}

/** This browser's device id: a device the account knows signs in without a one-time code. */
export function deviceId(): string {
  const key = "mercato.device";
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
  }
  return id;
}
