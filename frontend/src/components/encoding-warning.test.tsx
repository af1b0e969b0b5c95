import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { EncodingWarning } from "@/components/encoding-warning";
import { useFile } from "@/lib/requests/get-file";
import { uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const guessed = uploadedFile({
  encoding: "cp1250",
  encoding_confidence: 0.51,
  encoding_alternatives: ["cp1252", "mac-roman"],
  encoding_low_confidence: true,
  overrides: { delimiter: ";" },
});

/** The warning fed from the file query, as the upload and preview pages use it. */
function Harness() {
  const file = useFile(guessed.id);
  if (!file.data) return null;
  return (
    <>
      <p>Loaded {file.data.filename}</p>
      <EncodingWarning file={file.data} />
    </>
  );
}

describe("EncodingWarning", () => {
  it("offers the other encodings when the guess is uncertain and re-reads the file with the one clicked", async () => {
    let body: unknown = null;
    const chosen = uploadedFile({
      ...guessed,
      encoding: "cp1252",
      encoding_alternatives: ["cp1250", "mac-roman"],
      overrides: { delimiter: ";", encoding: "cp1252" },
    });
    server.use(
      http.get(apiPath(`/sources/csv/${guessed.id}/metadata`), () => HttpResponse.json(guessed)),
      http.put(apiPath(`/sources/csv/${guessed.id}/options`), async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(chosen);
      }),
    );
    const { user } = renderWithApp(<Harness />);

    const warning = await screen.findByTestId("encoding-warning");
    expect(warning).toHaveTextContent("The encoding is a guess: cp1250 (Central European (Windows-1250)), 51% sure");
    await user.click(within(warning).getByTestId("encoding-alternative-cp1252"));

    // The correction made before (the delimiter) is sent again with the new encoding.
    await waitFor(() => expect(body).toEqual({ delimiter: ";", encoding: "cp1252" }));
    const line = await screen.findByTestId("encoding-chosen");
    expect(line).toHaveTextContent("Read as cp1252 (Western European (Windows-1252)), as you chose");
    expect(within(line).getByTestId("encoding-alternative-cp1250")).toBeInTheDocument();
    expect(screen.queryByTestId("encoding-warning")).not.toBeInTheDocument();
  });

  it("shows the server's reason when the chosen encoding cannot read the file", async () => {
    server.use(
      http.get(apiPath(`/sources/csv/${guessed.id}/metadata`), () => HttpResponse.json(guessed)),
      http.put(apiPath(`/sources/csv/${guessed.id}/options`), () =>
        HttpResponse.json(
          { error: "UnreadableFile", message: "The file cannot be read as CSV: not mac-roman" },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderWithApp(<Harness />);

    await user.click(await screen.findByTestId("encoding-alternative-mac-roman"));

    expect(await screen.findByText("The file cannot be read as CSV: not mac-roman")).toBeInTheDocument();
  });

  it("says nothing when the bytes decided the encoding", async () => {
    const certain = uploadedFile({ encoding: "utf-8", encoding_confidence: 1 });
    server.use(http.get(apiPath(`/sources/csv/${guessed.id}/metadata`), () => HttpResponse.json({ ...certain, id: guessed.id })));
    renderWithApp(<Harness />);

    expect(await screen.findByText(`Loaded ${certain.filename}`)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.queryByTestId("encoding-chosen")).not.toBeInTheDocument();
  });
});
