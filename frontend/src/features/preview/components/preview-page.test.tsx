import { act, screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { PreviewPage } from "@/features/preview/components/preview-page";
import { filePreview, uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const file = uploadedFile();

function renderPreview(url = `/files/${file.id}`) {
  return renderWithApp(<PreviewPage />, { path: "/files/:fileId", url });
}

describe("PreviewPage", () => {
  beforeEach(() => {
    server.use(http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(file)));
  });

  it("shows each column's type, null count and range above the typed rows", async () => {
    server.use(http.get(apiPath(`/sources/csv/${file.id}/preview`), () => HttpResponse.json(filePreview())));
    renderPreview();

    const amount = await screen.findByTestId("preview-column-amount");
    expect(within(amount).getByText("NUMERIC")).toBeInTheDocument();
    expect(within(amount).getByText("1 null")).toBeInTheDocument();
    expect(within(amount).getByText("0.50 … 990.00")).toBeInTheDocument();
    expect(within(screen.getByTestId("preview-column-customer_name")).getByText("3 nulls")).toBeInTheDocument();
    expect(screen.getByText("Ann")).toBeInTheDocument();
    expect(screen.getByTestId("preview-range")).toHaveTextContent("Rows 1–2 of 120");
  });

  it("highlights a value that would be rejected and tells why on focus", async () => {
    server.use(http.get(apiPath(`/sources/csv/${file.id}/preview`), () => HttpResponse.json(filePreview())));
    renderPreview();

    const cell = await screen.findByTestId("invalid-cell");
    expect(cell).toHaveTextContent("abc");
    expect(cell).toHaveAccessibleName("abc — would be rejected: not a number");
    expect(screen.getByTestId("invalid-cells-summary")).toHaveTextContent("1 value on this page would be rejected");

    act(() => cell.focus());
    expect(await screen.findByRole("tooltip")).toHaveTextContent("Would be rejected: not a number");
  });

  it("pages forward with offset and limit and keeps the position in the URL", async () => {
    const offsets: string[] = [];
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/preview`), ({ request }) => {
        const params = new URL(request.url).searchParams;
        offsets.push(`${params.get("offset")}/${params.get("limit")}`);
        const offset = Number(params.get("offset"));
        return HttpResponse.json(
          filePreview({ offset, limit: 25, rows: [[offset + 1, "Row", "1.00", "2024-01-01"]], invalid_cells: [], total_rows: 60 }),
        );
      }),
    );
    const { user, router } = renderPreview(`/files/${file.id}?limit=25`);

    await screen.findByText("Rows 1–1 of 60");
    await user.click(screen.getByTestId("preview-next"));

    expect(await screen.findByText("Rows 26–26 of 60")).toBeInTheDocument();
    expect(offsets).toEqual(["0/25", "25/25"]);
    expect(router.state.location.search).toBe("?offset=25&limit=25");
    expect(screen.getByTestId("preview-prev")).toBeEnabled();
  });

  it("shows how each column is read: its date format, the zone of naive timestamps and the NULL markers", async () => {
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/preview`), () =>
        HttpResponse.json(
          filePreview({
            columns: [
              { name: "booked", sql_name: "booked", type: "DATE", null_count: 0, samples: [], format: "%d.%m.%Y" },
              { name: "at", sql_name: "at", type: "TIMESTAMPTZ", null_count: 0, samples: [], timezone: "Europe/Paris" },
              { name: "score", sql_name: "score", type: "NUMERIC", null_count: 2, samples: [], null_markers: ["NA", "\\N"] },
            ],
            rows: [["2024-01-31", "2024-01-31T09:00:00+00:00", null]],
            invalid_cells: [],
          }),
        ),
      ),
    );
    renderPreview();

    const booked = await screen.findByTestId("preview-column-booked");
    expect(within(booked).getByText("DATE")).toBeInTheDocument();
    expect(within(booked).getByTestId("column-format-booked")).toHaveTextContent("· DD.MM.YYYY");
    expect(screen.getByTestId("column-zone-at")).toHaveTextContent("no offset = Europe/Paris");
    expect(screen.getByTestId("column-nulls-score")).toHaveTextContent("NULL: “NA”, “\\N”");
    expect(screen.queryByTestId("column-format-at")).not.toBeInTheDocument();
  });

  it("re-reads the file in the encoding clicked in the warning and shows the new preview", async () => {
    const guessed = uploadedFile({
      encoding: "cp1250",
      encoding_confidence: 0.5,
      encoding_alternatives: ["cp1252"],
      encoding_low_confidence: true,
    });
    let encoding = "cp1250";
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/metadata`), () => HttpResponse.json(guessed)),
      http.put(apiPath(`/sources/csv/${file.id}/options`), async ({ request }) => {
        encoding = ((await request.json()) as { encoding: string }).encoding;
        return HttpResponse.json({ ...guessed, encoding, encoding_alternatives: ["cp1250"], overrides: { encoding } });
      }),
      http.get(apiPath(`/sources/csv/${file.id}/preview`), () =>
        HttpResponse.json(filePreview({ rows: [[1, encoding === "cp1252" ? "Muñoz" : "Muńoz", "1.00", "2024-01-01"]], invalid_cells: [] })),
      ),
    );
    const { user } = renderPreview();

    expect(await screen.findByText("Muńoz")).toBeInTheDocument();
    await user.click(within(screen.getByTestId("encoding-warning")).getByTestId("encoding-alternative-cp1252"));

    expect(await screen.findByText("Muñoz")).toBeInTheDocument();
    expect(screen.queryByTestId("encoding-warning")).not.toBeInTheDocument();
    expect(screen.getByTestId("encoding-chosen")).toHaveTextContent("Read as cp1252");
  });

  it("shows the API's message when the preview fails", async () => {
    server.use(
      http.get(apiPath(`/sources/csv/${file.id}/preview`), () =>
        HttpResponse.json({ error: "EntityNotFoundError", message: "UploadedFile abc not found" }, { status: 404 }),
      ),
    );
    renderPreview();

    expect(await screen.findByRole("alert")).toHaveTextContent("UploadedFile abc not found");
  });
});
