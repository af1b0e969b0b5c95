import axios, { AxiosError, type InternalAxiosRequestConfig } from "axios";

import { env } from "@/lib/env";
import type { ApiErrorBody, ApiProblem } from "@/types/api";

/** Every failed request rejects with this: the API's error body, or a stand-in for network failures. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.error;
    this.details = body.details;
  }

  /** The individual problems a 422 lists in `details.problems`, if any. */
  get problems(): ApiProblem[] {
    const problems: unknown = (this.details as { problems?: unknown } | null | undefined)?.problems;
    if (!Array.isArray(problems)) return [];
    return problems.filter(
      (p): p is ApiProblem => typeof p === "object" && p !== null && typeof (p as ApiProblem).message === "string",
    );
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiErrorBody).error === "string" &&
    typeof (value as ApiErrorBody).message === "string"
  );
}

/** FastAPI's own 422 body (`{"detail": [...]}`) when a request fails validation before our handler. */
function detailMessage(value: unknown): string | null {
  if (typeof value !== "object" || value === null || !("detail" in value)) return null;
  const detail = (value as { detail: unknown }).detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    const first = detail[0] as { msg?: unknown; loc?: unknown };
    const where = Array.isArray(first.loc) ? first.loc.join(".") : "";
    return `${where ? `${where}: ` : ""}${String(first.msg ?? "invalid request")}`;
  }
  return null;
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AxiosError) {
    const status = error.response?.status ?? 0;
    const data: unknown = error.response?.data;
    if (isErrorBody(data)) return new ApiError(status, data);
    const detail = detailMessage(data);
    if (detail) return new ApiError(status, { error: "ValidationError", message: detail, details: data });
    if (error.code === AxiosError.ERR_CANCELED) {
      return new ApiError(0, { error: "Cancelled", message: "The request was cancelled." });
    }
    if (!error.response) {
      return new ApiError(0, {
        error: "NetworkError",
        message: "Cannot reach the server. Check that the backend is running.",
      });
    }
    return new ApiError(status, {
      error: `HTTP${status}`,
      message: `The server answered ${status} ${error.response.statusText}`.trim(),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, { error: "UnexpectedError", message });
}

declare module "axios" {
  interface AxiosRequestConfig {
    /** Set on the one retry after a silent refresh, so a second 401 is final. */
    authRetried?: boolean;
  }
}

/** The session's CSRF token: a cookie the SPA can read (the session cookies themselves are httpOnly). */
export const CSRF_COOKIE = "portal_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const UNSAFE_METHODS = new Set(["post", "put", "patch", "delete"]);
// Their 401 means "wrong email or password" or "no session to refresh", not "log in again".
const NO_REFRESH_PATHS = ["/auth/login", "/auth/refresh", "/auth/logout"];

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

/** Where the login page sends the user back to: a path of this app, never another site. */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next.startsWith("/login") ? "/" : next;
}

export function loginPath(next: string): string {
  const path = safeNextPath(next);
  return path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`;
}

function goToLogin(): void {
  const { pathname, search } = window.location;
  if (pathname === "/login") return;
  // A full page load: nothing the previous session read stays in memory.
  window.location.assign(loginPath(`${pathname}${search}`));
}

let sessionExpiredHandler: () => void = goToLogin;

/** What happens when the session is gone and cannot be refreshed (tests observe it instead of navigating). */
export function setSessionExpiredHandler(handler: (() => void) | null): void {
  sessionExpiredHandler = handler ?? goToLogin;
}

export const api = axios.create({
  baseURL: env.VITE_API_BASE_URL,
  headers: { Accept: "application/json" },
  // Session cookies go with every request, also when the API lives on another origin in development.
  withCredentials: true,
});

api.interceptors.request.use((config) => {
  if (UNSAFE_METHODS.has((config.method ?? "get").toLowerCase())) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) config.headers.set(CSRF_HEADER, csrf);
  }
  return config;
});

let refreshing: Promise<boolean> | null = null;

/** One refresh for every request that met a 401 at the same time; true when the session lives on. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= api
    .post("/auth/refresh", undefined, { authRetried: true })
    .then(
      () => true,
      () => false,
    )
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

function needsSession(error: ApiError, config: InternalAxiosRequestConfig | undefined): boolean {
  if (error.status !== 401 || !config || error.code === "InvalidCredentials") return false;
  const url = config.url ?? "";
  return !NO_REFRESH_PATHS.some((path) => url.endsWith(path));
}

api.interceptors.response.use(
  (response) => response,
  async (error: unknown) => {
    const apiError = toApiError(error);
    const config = error instanceof AxiosError ? error.config : undefined;
    if (needsSession(apiError, config)) {
      // The access cookie expired (or is gone): refresh silently once and replay the request.
      if (!config!.authRetried && (await refreshSession())) return api.request({ ...config!, authRetried: true });
      sessionExpiredHandler();
    }
    return Promise.reject(apiError);
  },
);

/** Absolute path of an API resource, for links and EventSource (which cannot use axios). */
export function apiUrl(path: string): string {
  return `${env.VITE_API_BASE_URL.replace(/\/$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}
