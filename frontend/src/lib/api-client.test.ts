import { http, HttpResponse } from "msw";

import { api, ApiError, loginPath, safeNextPath, setSessionExpiredHandler } from "@/lib/api-client";
import { apiPath, server } from "@/testing/server";

describe("api client error interceptor", () => {
  it("turns the API error body into an ApiError with status, code and message", async () => {
    server.use(
      http.get(apiPath("/credentials/9"), () =>
        HttpResponse.json(
          { error: "CredentialNotFound", message: "Credential 9 does not exist", details: { id: 9 } },
          { status: 404 },
        ),
      ),
    );

    const error = await api.get("/credentials/9").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "CredentialNotFound", message: "Credential 9 does not exist" });
    expect((error as ApiError).details).toEqual({ id: 9 });
  });

  it("reads FastAPI's validation detail when the error body is not ours", async () => {
    server.use(
      http.post(apiPath("/jobs"), () =>
        HttpResponse.json({ detail: [{ loc: ["body", "name"], msg: "Field required" }] }, { status: 422 }),
      ),
    );

    const error = await api.post("/jobs", {}).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 422, message: "body.name: Field required" });
  });

  it("explains a network failure instead of surfacing axios internals", async () => {
    server.use(http.get(apiPath("/health"), () => HttpResponse.error()));

    const error = await api.get("/health").catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 0, code: "NetworkError" });
    expect((error as ApiError).message).toMatch(/cannot reach the server/i);
  });
});

describe("ApiError.problems", () => {
  it("lists the problems a 422 carries in details", async () => {
    server.use(
      http.post(apiPath("/jobs"), () =>
        HttpResponse.json(
          {
            error: "JobValidationError",
            message: "The mapping does not fit",
            details: { problems: [{ field: "mappings[2].target_column", message: "duplicate target 'id'" }] },
          },
          { status: 422 },
        ),
      ),
    );

    const error = (await api.post("/jobs", {}).catch((e: unknown) => e)) as ApiError;

    expect(error.problems).toEqual([{ field: "mappings[2].target_column", message: "duplicate target 'id'" }]);
  });

  it("is empty when details has no problem list", () => {
    expect(new ApiError(404, { error: "NotFound", message: "gone", details: { id: 1 } }).problems).toEqual([]);
  });
});

describe("api client session handling", () => {
  const expired = { error: "NotAuthenticated", message: "Log in first" };

  beforeEach(() => {
    document.cookie = "portal_csrf=csrf-123; path=/";
  });
  afterEach(() => {
    document.cookie = "portal_csrf=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT";
    setSessionExpiredHandler(null);
  });

  it("sends the CSRF cookie's value as X-CSRF-Token on writes only", async () => {
    const seen: Record<string, string | null> = {};
    server.use(
      http.get(apiPath("/jobs"), ({ request }) => {
        seen.get = request.headers.get("X-CSRF-Token");
        return HttpResponse.json({ items: [], total: 0 });
      }),
      http.post(apiPath("/jobs/execute/3"), ({ request }) => {
        seen.post = request.headers.get("X-CSRF-Token");
        return HttpResponse.json({}, { status: 202 });
      }),
      http.delete(apiPath("/jobs/3"), ({ request }) => {
        seen.delete = request.headers.get("X-CSRF-Token");
        return new HttpResponse(null, { status: 204 });
      }),
    );

    await api.get("/jobs");
    await api.post("/jobs/execute/3");
    await api.delete("/jobs/3");

    expect(seen).toEqual({ get: null, post: "csrf-123", delete: "csrf-123" });
  });

  it("refreshes the session once on 401 and replays the request with the new CSRF token", async () => {
    let refreshes = 0;
    let calls = 0;
    const tokens: (string | null)[] = [];
    server.use(
      http.post(apiPath("/auth/refresh"), () => {
        refreshes += 1;
        document.cookie = "portal_csrf=csrf-456; path=/";
        return HttpResponse.json({});
      }),
      http.post(apiPath("/schedules/5/enable"), ({ request }) => {
        calls += 1;
        tokens.push(request.headers.get("X-CSRF-Token"));
        return calls === 1 ? HttpResponse.json(expired, { status: 401 }) : HttpResponse.json({ id: 5, enabled: true });
      }),
    );

    const { data } = await api.post("/schedules/5/enable");

    expect(data).toEqual({ id: 5, enabled: true });
    expect(refreshes).toBe(1);
    expect(tokens).toEqual(["csrf-123", "csrf-456"]);
  });

  it("shares one refresh between requests that meet 401 together", async () => {
    let refreshes = 0;
    const seen = new Set<string>();
    server.use(
      http.post(apiPath("/auth/refresh"), () => {
        refreshes += 1;
        return HttpResponse.json({});
      }),
      http.get(apiPath("/jobs/:id"), ({ params }) => {
        const id = String(params.id);
        if (!seen.has(id)) {
          seen.add(id);
          return HttpResponse.json(expired, { status: 401 });
        }
        return HttpResponse.json({ id: Number(id) });
      }),
    );

    const answers = await Promise.all([api.get("/jobs/1"), api.get("/jobs/2"), api.get("/jobs/3")]);

    expect(answers.map((answer) => (answer.data as { id: number }).id)).toEqual([1, 2, 3]);
    expect(refreshes).toBe(1);
  });

  it("goes to the login page when the session cannot be refreshed", async () => {
    const expiredHandler = vi.fn();
    setSessionExpiredHandler(expiredHandler);
    server.use(
      http.post(apiPath("/auth/refresh"), () => HttpResponse.json(expired, { status: 401 })),
      http.get(apiPath("/dashboard"), () => HttpResponse.json(expired, { status: 401 })),
    );

    const error = await api.get("/dashboard").catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 401, code: "NotAuthenticated" });
    expect(expiredHandler).toHaveBeenCalledTimes(1);
  });

  it("leaves a wrong password alone: no refresh, no redirect", async () => {
    const expiredHandler = vi.fn();
    setSessionExpiredHandler(expiredHandler);
    const refresh = vi.fn();
    server.use(
      http.post(apiPath("/auth/refresh"), () => {
        refresh();
        return HttpResponse.json({});
      }),
      http.post(apiPath("/auth/login"), () =>
        HttpResponse.json({ error: "InvalidCredentials", message: "Wrong email or password" }, { status: 401 }),
      ),
      http.post(apiPath("/auth/password"), () =>
        HttpResponse.json({ error: "InvalidCredentials", message: "Wrong email or password" }, { status: 401 }),
      ),
    );

    await expect(api.post("/auth/login", { email: "a@b.c", password: "x" })).rejects.toMatchObject({ status: 401 });
    await expect(api.post("/auth/password", {})).rejects.toMatchObject({ code: "InvalidCredentials" });

    expect(refresh).not.toHaveBeenCalled();
    expect(expiredHandler).not.toHaveBeenCalled();
  });
});

describe("login paths", () => {
  it("keeps the page to come back to, and only pages of this app", () => {
    expect(loginPath("/runs/7?tab=logs")).toBe("/login?next=%2Fruns%2F7%3Ftab%3Dlogs");
    expect(loginPath("/")).toBe("/login");
    expect(safeNextPath("//evil.example/x")).toBe("/");
    expect(safeNextPath("https://evil.example")).toBe("/");
    expect(safeNextPath("/\\evil.example")).toBe("/");
    expect(safeNextPath("/login?next=/x")).toBe("/");
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath("/jobs/3")).toBe("/jobs/3");
  });
});
