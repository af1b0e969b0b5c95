import { screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { NewJobRoute } from "@/app/routes/new-job";
import { credential, job, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobCreate } from "@/types/api";

const file = uploadedFile();
const warehouse = credential();

describe("the file wizard's source", () => {
  it("turns the upload into the sample of files that arrive, with their pattern, mode, empty rule, drift policy and row transforms", async () => {
    let created: JobCreate | null = null;
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
      http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["main"])),
      http.get(apiPath(`/destinations/${warehouse.id}/tables`), () => HttpResponse.json([])),
      http.post(apiPath("/jobs/preview-ddl"), () => HttpResponse.json({ ddl: 'CREATE TABLE "main"."sales" ()', warnings: [] })),
      http.post(apiPath("/jobs"), async ({ request }) => {
        created = (await request.json()) as JobCreate;
        return HttpResponse.json(job({ id: 7, name: created.name, source_type: "files" }), { status: 201 });
      }),
    );
    const { user, router } = renderWithApp(<NewJobRoute />, {
      path: "/jobs/new",
      url: `/jobs/new?fileId=${file.id}`,
      routes: [{ path: "/jobs/:jobId", element: <p>Job page</p> }],
    });

    await waitFor(() => expect(screen.getByTestId("schema-select")).toHaveTextContent("main"));
    expect(screen.queryByTestId("source-pattern-input")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("source-type-files"));
    await user.type(screen.getByTestId("source-pattern-input"), "../exports/*.csv");
    await user.click(screen.getByTestId("wizard-next"));
    expect(await screen.findByText("A path relative to the drop directory, without “..”.")).toBeInTheDocument();
    await user.clear(screen.getByTestId("source-pattern-input"));
    // user-event reads braces as key names: doubled, they are typed as written.
    await user.type(screen.getByTestId("source-pattern-input"), "exports/sales_{{{{ds}}*.csv");
    await user.click(screen.getByTestId("files-mode-select"));
    await user.click(await screen.findByRole("option", { name: "Only the newest match" }));
    await user.click(screen.getByTestId("files-on-empty-select"));
    await user.click(await screen.findByRole("option", { name: "Fail the run" }));
    await user.click(screen.getByTestId("drift-policy-select"));
    await user.click(await screen.findByRole("option", { name: "Ignore new columns" }));
    await user.click(screen.getByTestId("wizard-next"));

    // Mapping: the row transforms editor of the app layer, under the mapping.
    await screen.findByTestId("wizard-step-mapping");
    expect(screen.getByTestId("row-transforms-section")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add" }));
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-load");
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("wizard-step-review");
    await user.click(screen.getByTestId("create-job-button"));

    await waitFor(() => expect(router.state.location.pathname).toBe("/jobs/7"));
    expect(created).toMatchObject({
      source_type: "files",
      file_id: file.id,
      source_pattern: "exports/sales_{{ds}}*.csv",
      source_options: { mode: "latest", on_empty: "fail" },
      drift_policy: "ignore",
      row_transforms: [{ type: "filter", args: { expression: "" } }],
    });
  });

  it("keeps an upload job's file as its source, with nothing of arriving files", async () => {
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse], total: 1 })),
      http.get(apiPath(`/destinations/${warehouse.id}/schemas`), () => HttpResponse.json(["main"])),
      http.get(apiPath(`/destinations/${warehouse.id}/tables`), () => HttpResponse.json([])),
    );
    renderWithApp(<NewJobRoute />, { path: "/jobs/new", url: `/jobs/new?fileId=${file.id}` });
    expect(await screen.findByTestId("source-type-upload")).toBeChecked();
    expect(screen.getByLabelText(`This file (${file.filename}), at every run`)).toBeInTheDocument();
  });
});
