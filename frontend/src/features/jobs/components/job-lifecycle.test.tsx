import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { JobDetailPage } from "@/features/jobs/components/job-detail-page";
import { credential, job, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { JobCreate, JobUpdate } from "@/types/api";

const saved = job({
  id: 7,
  name: "Load sales",
  description: "Nightly",
  strategy: "UPSERT",
  upsert_keys: ["id"],
  reject_threshold_count: 10,
  mappings: [
    { id: 12, position: 1, source_column: "customer_name", target_column: "customer", target_type: "TEXT", include: true, transforms: [{ type: "trim" }], expression: null },
    { id: 11, position: 0, source_column: "id", target_column: "id", target_type: "BIGINT", include: true, transforms: [], expression: null },
    { id: 13, position: 2, source_column: null, target_column: "total", target_type: "NUMERIC", include: true, transforms: [], expression: "amount * 2" },
  ],
});
const expectedMappings = [
  { source_column: "id", target_column: "id", target_type: "BIGINT", include: true, transforms: [], expression: null },
  { source_column: "customer_name", target_column: "customer", target_type: "TEXT", include: true, transforms: [{ type: "trim" }], expression: null },
  { source_column: null, target_column: "total", target_type: "NUMERIC", include: true, transforms: [], expression: "amount * 2" },
];

function serveJob() {
  server.use(
    http.get(apiPath("/jobs/7"), () => HttpResponse.json(saved)),
    http.get(apiPath("/credentials/1"), () => HttpResponse.json(credential())),
    http.get(apiPath("/job-runs"), () => HttpResponse.json({ items: [], total: 0 })),
    http.get(apiPath("/schedules"), () => HttpResponse.json({ items: [], total: 0 })),
  );
}

function renderJob() {
  return renderWithApp(<JobDetailPage />, {
    path: "/jobs/:jobId",
    url: "/jobs/7",
    routes: [{ path: "/jobs/:jobId/edit", element: <p>edit page</p> }],
  });
}

const csv = () => new File(["id,customer_name,amount\n1,Ann,2.5\n"], "sales-december.csv", { type: "text/csv" });

describe("a job's edit, clone and file replacement", () => {
  it("opens the wizard on the job from Edit", async () => {
    serveJob();
    const { user, router } = renderJob();
    await user.click(await screen.findByTestId("edit-job-button"));
    expect(await screen.findByText("edit page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/jobs/7/edit");
  });

  it("clones the job with every setting and mapping under a “Copy of” name, then opens the copy", async () => {
    serveJob();
    let posted: JobCreate | null = null;
    server.use(
      http.post(apiPath("/jobs"), async ({ request }) => {
        posted = (await request.json()) as JobCreate;
        return HttpResponse.json({ ...saved, ...posted, id: 8, mappings: saved.mappings }, { status: 201 });
      }),
      http.get(apiPath("/jobs/8"), () => HttpResponse.json({ ...saved, id: 8, name: "Copy of Load sales" })),
    );
    const { user, router } = renderJob();
    await user.click(await screen.findByTestId("clone-job-button"));

    expect(await screen.findByRole("heading", { name: "Copy of Load sales" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/jobs/8");
    expect(posted).toEqual({
      name: "Copy of Load sales",
      description: "Nightly",
      source_type: "upload",
      file_id: saved.file_id,
      source_credential_id: null,
      source_query: null,
      source_pattern: null,
      source_options: {},
      max_parallel_tables: 4,
      row_transforms: [],
      destination_options: null,
      drift_policy: "fail",
      tables: [],
      credential_id: saved.credential_id,
      target_schema: "main",
      target_table: "sales",
      create_table: true,
      strategy: "UPSERT",
      upsert_keys: ["id"],
      batch_size: 100000,
      reject_threshold_count: 10,
      reject_threshold_percent: null,
      max_retries: 0,
      retry_delay_seconds: 60,
      max_rows_per_second: null,
      allow_concurrent_runs: false,
      mappings: expectedMappings,
    });
  });

  it("replaces the file with a new upload, keeping the mapping", async () => {
    serveJob();
    const newFile = uploadedFile({ id: "newfile0001", filename: "sales-december.csv" });
    let uploaded = "";
    let put: JobUpdate | null = null;
    server.use(
      http.post(apiPath("/sources/csv/upload"), async ({ request }) => {
        uploaded = await request.text();
        return HttpResponse.json(newFile, { status: 201 });
      }),
      http.put(apiPath("/jobs/7"), async ({ request }) => {
        put = (await request.json()) as JobUpdate;
        return HttpResponse.json({ ...saved, file_id: newFile.id });
      }),
    );
    const { user } = renderJob();
    await user.click(await screen.findByTestId("replace-file-button"));
    const dialog = await screen.findByRole("dialog", { name: "Replace the file of Load sales" });
    expect(within(dialog).getByTestId("replace-file-submit")).toBeDisabled();
    await user.upload(within(dialog).getByTestId("replacement-file-input"), csv());
    await user.click(within(dialog).getByTestId("replace-file-submit"));

    expect(await screen.findByText("Load sales now loads sales-december.csv")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(uploaded).toMatch(/name="file"/);
    expect(uploaded).toContain("1,Ann,2.5");
    expect(put).toEqual({ file_id: "newfile0001", mappings: expectedMappings });
  });

  it("lists why a new file does not fit, leaves the job as it was and removes the refused upload", async () => {
    serveJob();
    const deleted: string[] = [];
    server.use(
      http.delete(apiPath("/sources/csv/:fileId"), ({ params }) => {
        deleted.push(String(params.fileId));
        return new HttpResponse(null, { status: 204 });
      }),
      http.post(apiPath("/sources/csv/upload"), () => HttpResponse.json(uploadedFile({ id: "newfile0002" }), { status: 201 })),
      http.put(apiPath("/jobs/7"), () =>
        HttpResponse.json(
          {
            error: "ValidationError",
            message: "The mapping does not fit the job",
            details: { problems: [{ field: "mappings[1].source_column", message: "customer_name is not a column of the file" }] },
          },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderJob();
    await user.click(await screen.findByTestId("replace-file-button"));
    const dialog = await screen.findByRole("dialog");
    await user.upload(within(dialog).getByTestId("replacement-file-input"), csv());
    await user.click(within(dialog).getByTestId("replace-file-submit"));

    expect(await within(dialog).findByText("The new file does not fit the job's mapping")).toBeInTheDocument();
    expect(within(dialog).getByText("customer_name is not a column of the file")).toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await waitFor(() => expect(deleted).toEqual(["newfile0002"]));
  });
});
