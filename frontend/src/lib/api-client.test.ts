import { http, HttpResponse } from "msw";

import { api, ApiError } from "@/lib/api-client";
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
