import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { delay, http, HttpResponse } from "msw";

import { UploadPage } from "@/features/upload/components/upload-page";
import { renderWithApp } from "@/testing/render";
import { uploadedFile, viewer } from "@/testing/fixtures";
import { apiPath, server } from "@/testing/server";

const config = { airflow_ui_url: "http://airflow", max_upload_bytes: 1024 * 1024, version: "1.0.0" };

function csv(name = "sales.csv", content = "id,name\n1,Ann\n") {
  return new File([content], name, { type: "text/csv" });
}

beforeEach(() => {
  server.use(
    http.get(apiPath("/config"), () => HttpResponse.json(config)),
    http.get(apiPath("/sources/csv"), () => HttpResponse.json({ items: [], total: 0 })),
  );
});

describe("UploadPage", () => {
  it("uploads a picked file as multipart and shows what was detected with links onward", async () => {
    const file = uploadedFile();
    let sent = "";
    server.use(
      http.post(apiPath("/sources/csv/upload"), async ({ request }) => {
        sent = await request.text();
        return HttpResponse.json(file, { status: 201 });
      }),
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    );
    const { user, router } = renderWithApp(<UploadPage />, { path: "/upload" });

    await user.upload(screen.getByTestId("upload-input"), csv());

    const overview = await screen.findByTestId("file-overview");
    expect(sent).toMatch(/name="file"/);
    expect(sent).toContain("id,name\n1,Ann");
    expect(router.state.location.search).toBe(`?fileId=${file.id}`);
    expect(within(overview).getByText("Customer Name")).toBeInTheDocument();
    expect(within(overview).getByText("NUMERIC")).toBeInTheDocument();
    expect(screen.getByTestId("preview-link")).toHaveAttribute("href", `/files/${file.id}`);
    expect(screen.getByTestId("create-job-link")).toHaveAttribute("href", `/jobs/new?fileId=${file.id}`);
  });

  it("uploads a file dropped on the drop zone", async () => {
    const file = uploadedFile({ filename: "dropped.csv" });
    server.use(
      http.post(apiPath("/sources/csv/upload"), () => HttpResponse.json(file, { status: 201 })),
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
    );
    renderWithApp(<UploadPage />, { path: "/upload" });

    fireEvent.drop(screen.getByTestId("upload-dropzone"), { dataTransfer: { files: [csv("dropped.csv")] } });

    expect(await screen.findByTestId("file-overview")).toHaveTextContent("dropped.csv");
  });

  it("refuses a file with the wrong extension without sending it", async () => {
    renderWithApp(<UploadPage />, { path: "/upload" });
    await screen.findByText(/up to 1\.0 MB/);

    // applyAccept off: the browser's picker filter is a hint, the check must hold on its own.
    const user = userEvent.setup({ applyAccept: false });
    await user.upload(screen.getByTestId("upload-input"), csv("report.xlsx"));

    expect(await screen.findByRole("alert")).toHaveTextContent("“report.xlsx” is not a CSV file");
  });

  it("refuses a file over the server's limit before uploading", async () => {
    const { user } = renderWithApp(<UploadPage />, { path: "/upload" });
    await screen.findByText(/up to 1\.0 MB/);

    await user.upload(screen.getByTestId("upload-input"), csv("big.csv", "x".repeat(2 * 1024 * 1024)));

    expect(await screen.findByRole("alert")).toHaveTextContent("the limit is 1.0 MB");
  });

  it("shows the server's reason when it rejects the upload", async () => {
    server.use(
      http.post(apiPath("/sources/csv/upload"), () =>
        HttpResponse.json(
          { error: "UnsupportedFileError", message: "The file looks binary, not text", details: {} },
          { status: 415 },
        ),
      ),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload" });

    await user.upload(screen.getByTestId("upload-input"), csv("data.csv"));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Upload failed");
    expect(alert).toHaveTextContent("The file looks binary, not text");
  });

  it("shows a progress bar while uploading and goes back to the drop zone when cancelled", async () => {
    server.use(
      http.post(apiPath("/sources/csv/upload"), async () => {
        await delay("infinite");
        return HttpResponse.json(uploadedFile(), { status: 201 });
      }),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload" });

    await user.upload(screen.getByTestId("upload-input"), csv());

    expect(await screen.findByRole("progressbar", { name: "Upload progress" })).toBeInTheDocument();
    expect(screen.getByText("sales.csv")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Cancel" }));

    expect(await screen.findByTestId("upload-dropzone")).toBeInTheDocument();
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("lists earlier uploads with links onward and deletes one after confirmation", async () => {
    const older = uploadedFile({ id: "old1", filename: "old.csv", created_at: "2026-11-20T10:00:00Z" });
    const newer = uploadedFile({ id: "new1", filename: "new.csv", created_at: "2026-11-23T10:00:00Z" });
    let items = [older, newer];
    server.use(
      http.get(apiPath("/sources/csv"), () => HttpResponse.json({ items, total: items.length })),
      http.delete(apiPath("/sources/csv/old1"), () => {
        items = items.filter((f) => f.id !== "old1");
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload" });

    const table = await screen.findByRole("table", { name: "Recent uploads" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getAllByRole("cell")[0]!.textContent)).toEqual(["new.csv", "old.csv"]);
    expect(within(table).getByRole("link", { name: "Create a job from new.csv" })).toHaveAttribute("href", "/jobs/new?fileId=new1");

    await user.click(within(table).getByRole("button", { name: "Delete old.csv" }));
    await user.click(await screen.findByRole("button", { name: "Delete" }));

    await waitFor(() => expect(within(table).queryByText("old.csv")).not.toBeInTheDocument());
    expect(within(table).getByText("new.csv")).toBeInTheDocument();
  });

  it("re-profiles the file with only the options the user changed", async () => {
    const file = uploadedFile();
    const reprofiled = uploadedFile({ has_header: false, columns: [{ name: "column_1", sql_name: "column_1", type: "TEXT" }] });
    let body: unknown = null;
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.put(apiPath(`/sources/csv/${file.id}/options`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(reprofiled);
      }),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload", url: `/upload?fileId=${file.id}` });

    const reprofile = await screen.findByTestId("reprofile-button");
    expect(reprofile).toBeDisabled();
    await user.click(screen.getByRole("switch", { name: "First row is a header" }));
    await user.click(reprofile);

    await waitFor(() => expect(body).toEqual({ has_header: false }));
    expect(await within(screen.getByTestId("detected-columns")).findByText("column_1")).toBeInTheDocument();
    expect(screen.getByRole("switch", { name: "First row is a header" })).not.toBeChecked();
  });

  it("sets the NULL markers and keeps the corrections made before", async () => {
    const file = uploadedFile({ overrides: { encoding: "cp1252" } });
    let body: unknown = null;
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.put(apiPath(`/sources/csv/${file.id}/options`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(uploadedFile({ null_markers: ["NA", "-"], overrides: body as object }));
      }),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload", url: `/upload?fileId=${file.id}` });

    const markers = await screen.findByTestId("csv-option-null-markers");
    expect(markers).toBeDisabled();
    expect(markers).toHaveValue("NA, N/A, n/a, NULL, null, \\N, #N/A, NaN, nan, None");
    await user.click(screen.getByRole("switch", { name: "Choose the NULL markers myself" }));
    await user.clear(markers);
    await user.type(markers, "NA, -, NA,");
    await user.click(screen.getByTestId("reprofile-button"));

    await waitFor(() => expect(body).toEqual({ encoding: "cp1252", null_markers: ["NA", "-"] }));
  });

  it("sets a column's date format and shows it, or the server's reason when it does not fit", async () => {
    const file = uploadedFile({ columns: [{ name: "ship_by", sql_name: "ship_by", type: "TEXT" }] });
    const bodies: unknown[] = [];
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.put(apiPath(`/sources/csv/${file.id}/options`), async ({ request }) => {
        const body = (await request.json()) as { column_formats: Record<string, string> };
        bodies.push(body);
        if (body.column_formats.ship_by === "%m/%d/%Y") {
          return HttpResponse.json(
            {
              error: "ValidationFailedError",
              message: "Cannot use that format: column 'ship_by': the format %m/%d/%Y reads none of its first values",
              details: { problems: [{ field: "column_formats.ship_by", message: "reads none of its first values" }] },
            },
            { status: 422 },
          );
        }
        return HttpResponse.json(
          uploadedFile({ columns: [{ name: "ship_by", sql_name: "ship_by", type: "DATE", format: "%d/%m/%Y" }], overrides: body }),
        );
      }),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload", url: `/upload?fileId=${file.id}` });

    await user.click(await screen.findByTestId("date-format-column"));
    await user.click(screen.getByRole("option", { name: /ship_by/ }));
    await user.click(screen.getByTestId("date-format-choice"));
    await user.click(screen.getByRole("option", { name: "MM/DD/YYYY" }));
    await user.click(screen.getByTestId("date-format-apply"));
    expect(await screen.findByText(/reads none of its first values/, { selector: "p" })).toBeInTheDocument();

    await user.click(screen.getByTestId("date-format-choice"));
    await user.click(screen.getByRole("option", { name: "DD/MM/YYYY" }));
    await user.click(screen.getByTestId("date-format-apply"));

    expect(await screen.findByTestId("date-format-set-ship_by")).toHaveTextContent("ship_by: DD/MM/YYYY");
    expect(screen.getByTestId("column-format-ship_by")).toHaveTextContent("DD/MM/YYYY");
    expect(bodies).toEqual([{ column_formats: { ship_by: "%m/%d/%Y" } }, { column_formats: { ship_by: "%d/%m/%Y" } }]);
  });

  it("says how sure the encoding is, warns when it is a guess, and notes Excel's sep= line", async () => {
    const file = uploadedFile({
      encoding: "cp1250",
      encoding_confidence: 0.51,
      encoding_alternatives: ["cp1252"],
      encoding_low_confidence: true,
      excel_separator_line: true,
      delimiter: ";",
    });
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)),
      http.put(apiPath(`/sources/csv/${file.id}/options`), () =>
        HttpResponse.json({ ...file, encoding: "cp1252", encoding_alternatives: ["cp1250"], overrides: { encoding: "cp1252" } }),
      ),
    );
    const { user } = renderWithApp(<UploadPage />, { path: "/upload", url: `/upload?fileId=${file.id}` });

    expect(await screen.findByTestId("file-encoding")).toHaveTextContent("cp1250(51% sure)");
    expect(screen.getByTestId("excel-separator-note")).toHaveTextContent("“sep=;” line");
    await user.click(within(screen.getByTestId("encoding-warning")).getByTestId("encoding-alternative-cp1252"));

    await waitFor(() => expect(screen.getByTestId("file-encoding")).toHaveTextContent("cp1252(your choice)"));
    expect(screen.queryByTestId("encoding-warning")).not.toBeInTheDocument();
  });
});

describe("UploadPage for a viewer", () => {
  it("lists the files on the server but offers no upload", async () => {
    server.use(
      http.get(apiPath("/sources/csv"), () => HttpResponse.json({ items: [uploadedFile()], total: 1 })),
    );
    renderWithApp(<UploadPage />, { path: "/upload", currentUser: viewer() });

    expect(await screen.findByTestId("recent-uploads")).toHaveTextContent("sales.csv");
    expect(screen.getByTestId("upload-needs-role")).toBeInTheDocument();
    expect(screen.queryByTestId("upload-input")).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /Create a job/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Delete/ })).not.toBeInTheDocument();
  });

  it("shows a viewer what was detected in a file with the format options greyed out", async () => {
    const file = uploadedFile();
    server.use(http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)));
    renderWithApp(<UploadPage />, { path: "/upload", url: `/upload?fileId=${file.id}`, currentUser: viewer() });

    const overview = await screen.findByTestId("file-overview");
    expect(within(overview).getByTestId("preview-link")).toBeInTheDocument();
    expect(within(overview).queryByTestId("create-job-link")).not.toBeInTheDocument();
    expect(within(overview).getByTestId("reprofile-button")).toBeDisabled();
    expect(within(overview).getByText(/Needs the operator role/)).toBeInTheDocument();
  });
});
