import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { NewJobRoute } from "@/app/routes/new-job";
import { credential, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const file = uploadedFile();
const warehouse = credential();

function renderWizard() {
  return renderWithApp(<NewJobRoute />, { path: "/jobs/new", url: `/jobs/new?fileId=${file.id}` });
}

function destinationHandlers() {
  server.use(
    http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
    http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["information_schema", "main"])),
    http.get(apiPath(`/destinations/${warehouse.id}/tables`), () => HttpResponse.json([])),
  );
}

// The wizard composed with the credentials feature's form, as the router mounts it.
describe("NewJobRoute", () => {
  it("creates a connection inline after testing it, then selects it", async () => {
    destinationHandlers();
    const saved = credential({ id: 5, name: "Analytics PG", kind: "postgres", is_builtin: false, host: "db", port: 5432 });
    let tested: unknown = null;
    let posted: unknown = null;
    server.use(
      http.post(apiPath("/credentials/test"), async ({ request }) => {
        tested = await request.json();
        return HttpResponse.json({ ok: true, message: "Connected", server_version: "PostgreSQL 16.4", latency_ms: 3.2 });
      }),
      http.post(apiPath("/credentials"), async ({ request }) => {
        posted = await request.json();
        return HttpResponse.json(saved, { status: 201 });
      }),
      http.get(apiPath(`/destinations/${saved.id}/schemas`), () => HttpResponse.json(["public"])),
      http.get(apiPath(`/destinations/${saved.id}/tables`), () => HttpResponse.json([])),
    );
    const { user } = renderWizard();
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));

    await user.click(screen.getByTestId("new-credential-button"));
    const dialog = await screen.findByRole("dialog", { name: "New connection" });
    await user.type(within(dialog).getByLabelText("Name"), "Analytics PG");
    await user.type(within(dialog).getByLabelText("Host"), "db");
    await user.type(within(dialog).getByLabelText("Database"), "analytics");
    await user.type(within(dialog).getByLabelText("User"), "etl");
    await user.type(within(dialog).getByLabelText("Password"), "s3cret");
    await user.click(within(dialog).getByRole("button", { name: "Test connection" }));
    expect(await within(dialog).findByTestId("connection-test-result")).toHaveTextContent("PostgreSQL 16.4 · 3 ms");
    expect(tested).toMatchObject({ kind: "postgres", host: "db", port: 5432, database: "analytics", password: "s3cret" });

    server.use(http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse, saved], total: 2 })));
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(posted).toMatchObject({ name: "Analytics PG", options: { sslmode: "prefer" } });
    await waitFor(() => expect(screen.getByTestId("credential-select")).toHaveTextContent("Analytics PG"));
    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("public"));
  });
});
