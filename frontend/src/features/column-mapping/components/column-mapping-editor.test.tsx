import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import * as React from "react";

import { ColumnMappingEditor } from "@/features/column-mapping/components/column-mapping-editor";
import { mappingProblems, mappingRowsFromFile, toColumnMappings, type MappingRow } from "@/lib/mapping-rows";
import { uploadedFile } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { ColumnMapping, TableColumn } from "@/types/api";

const file = uploadedFile();

function Harness({ targetColumns = null, onRows }: { targetColumns?: TableColumn[] | null; onRows: (rows: ColumnMapping[]) => void }) {
  const [rows, setRows] = React.useState<MappingRow[]>(() => mappingRowsFromFile(file.columns));
  return (
    <ColumnMappingEditor
      fileId={file.id}
      sourceColumns={file.columns}
      targetColumns={targetColumns}
      value={rows}
      onChange={(next) => {
        setRows(next);
        onRows(toColumnMappings(next));
      }}
      problems={mappingProblems(rows)}
    />
  );
}

describe("ColumnMappingEditor", () => {
  it("excludes a column, renames another and overrides its type", async () => {
    let rows: ColumnMapping[] = [];
    const { user } = renderWithApp(<Harness onRows={(r) => (rows = r)} />);

    await user.click(screen.getByRole("checkbox", { name: "Include sold_on" }));
    const target = screen.getByTestId("mapping-target-amount");
    await user.clear(target);
    await user.type(target, "total");
    await user.click(screen.getByTestId("mapping-type-amount"));
    await user.click(await screen.findByRole("option", { name: "FLOAT" }));

    expect(rows.find((r) => r.source_column === "sold_on")?.include).toBe(false);
    expect(rows.find((r) => r.source_column === "amount")).toMatchObject({ target_column: "total", target_type: "FLOAT" });
    expect(screen.getByText("3 of 4 columns included")).toBeInTheDocument();
  });

  it("flags a target name used twice", async () => {
    const { user } = renderWithApp(<Harness onRows={() => {}} />);

    const target = screen.getByTestId("mapping-target-amount");
    await user.clear(target);
    await user.type(target, "ID");

    expect(await screen.findByText("“ID” is used twice.")).toBeInTheDocument();
    expect(target).toHaveAttribute("aria-invalid", "true");
  });

  it("auto-matches file columns onto an existing table by name", async () => {
    let rows: ColumnMapping[] = [];
    const targetColumns = [
      { name: "ID", type: "bigint", nullable: false, has_default: false },
      { name: "customername", type: "text", nullable: true, has_default: false },
    ];
    const { user } = renderWithApp(<Harness targetColumns={targetColumns} onRows={(r) => (rows = r)} />);

    await user.click(screen.getByTestId("auto-match-button"));

    expect(rows.filter((r) => r.include).map((r) => [r.source_column, r.target_column, r.target_type])).toEqual([
      ["id", "ID", "BIGINT"],
      ["customer_name", "customername", "TEXT"],
    ]);
  });

  it("checks a calculated column's expression once typing stops and takes its type until the user picks one", async () => {
    const checked: string[] = [];
    server.use(
      http.post(apiPath("/jobs/validate-expression"), async ({ request }) => {
        const body = (await request.json()) as { file_id: string; expression: string };
        checked.push(body.expression);
        if (body.expression === "amount *") {
          return HttpResponse.json({ valid: false, error: "unexpected end of expression", position: 8, type: null, sample: null });
        }
        if (body.expression === "amount > 1") {
          return HttpResponse.json({ valid: true, error: null, position: null, type: "BOOLEAN", sample: [true, false] });
        }
        return HttpResponse.json({ valid: true, error: null, position: null, type: "NUMERIC", sample: ["12.60", "0.60"] });
      }),
    );
    let rows: ColumnMapping[] = [];
    const { user } = renderWithApp(<Harness onRows={(r) => (rows = r)} />);

    await user.click(screen.getByTestId("add-calculated-column"));
    const expression = screen.getByRole("textbox", { name: "Expression" });
    await user.type(expression, "amount *");

    const status = () => screen.getByTestId(`${expression.id}-status`);
    await waitFor(() => expect(status()).toHaveTextContent("unexpected end of expression (at character 9)"));
    expect(expression).toHaveAttribute("aria-invalid", "true");

    await user.type(expression, " 1.2");
    await waitFor(() => expect(status()).toHaveTextContent("Valid · NUMERIC · e.g. 12.60, 0.60"));
    // Debounced: the half-typed " 1.2" never reached the server.
    expect(checked).toEqual(["amount *", "amount * 1.2"]);
    // The column took the expression's type by itself (it was TEXT when added).
    await waitFor(() =>
      expect(rows.at(-1)).toMatchObject({ source_column: null, target_column: "calculated_1", target_type: "NUMERIC", expression: "amount * 1.2" }),
    );
    expect(screen.getByRole("combobox", { name: "Type of calculated_1" })).toHaveTextContent("NUMERIC");
    expect(within(status()).queryByRole("button")).toBeNull();

    // A type the user picks stays, even when the expression's type changes; "Use …" offers it back.
    await user.click(screen.getByRole("combobox", { name: "Type of calculated_1" }));
    await user.click(await screen.findByRole("option", { name: "TEXT" }));
    await user.clear(expression);
    await user.type(expression, "amount > 1");
    await waitFor(() => expect(status()).toHaveTextContent("Valid · BOOLEAN"));
    expect(rows.at(-1)).toMatchObject({ target_type: "TEXT", expression: "amount > 1" });
    await user.click(within(status()).getByRole("button", { name: "Use BOOLEAN" }));
    expect(rows.at(-1)).toMatchObject({ target_type: "BOOLEAN" });
  });

  it("adds transforms to a column through the dialog", async () => {
    let rows: ColumnMapping[] = [];
    const { user } = renderWithApp(<Harness onRows={(r) => (rows = r)} />);

    await user.click(screen.getByTestId("mapping-transforms-customer_name"));
    const dialog = await screen.findByRole("dialog", { name: "Transforms of Customer Name" });
    await user.click(within(dialog).getByRole("button", { name: "Add" })); // default: trim
    await user.click(within(dialog).getByRole("combobox", { name: "Add a transform" }));
    await user.click(await screen.findByRole("option", { name: "Add prefix" }));
    await user.click(within(dialog).getByRole("button", { name: "Add" }));
    await user.type(within(dialog).getByLabelText("Prefix"), "cust-");
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));

    expect(rows.find((r) => r.source_column === "customer_name")?.transforms).toEqual([
      { type: "trim" },
      { type: "prefix", value: "cust-" },
    ]);
  });
});
