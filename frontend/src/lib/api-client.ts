import axios, { AxiosError } from "axios";

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

export const api = axios.create({
  baseURL: env.VITE_API_BASE_URL,
  headers: { Accept: "application/json" },
});

api.interceptors.response.use(
  (response) => response,
  (error: unknown) => Promise.reject(toApiError(error)),
);

/** Absolute path of an API resource, for links and EventSource (which cannot use axios). */
export function apiUrl(path: string): string {
  return `${env.VITE_API_BASE_URL.replace(/\/$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}
