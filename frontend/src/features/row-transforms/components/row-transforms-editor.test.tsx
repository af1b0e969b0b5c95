import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import * as React from "react";

import { RowTransformsEditor } from "@/features/row-transforms/components/row-transforms-editor";
import { columnsAfter, type RowColumn } from "@/features/row-transforms/utils/row-transforms";
import type { RowTransform } from "@/types/api";

const COLUMNS: RowColumn[] = [
  { name: "id", type: "INTEGER" },
  { name: "first", type: "TEXT" },
  { name: "last", type: "TEXT" },
  { name: "ordered_at", type: "TIMESTAMPTZ" },
];

function Harness({ initial = [], onValue, problems, disabled }: {
  initial?: RowTransform[];
  onValue: (value: RowTransform[]) => void;
  problems?: string[];
  disabled?: boolean;
}) {
  const [value, setValue] = React.useState<RowTransform[]>(initial);
  return (
    <RowTransformsEditor
      value={value}
      columns={COLUMNS}
      problems={problems}
      disabled={disabled}
      onChange={(next) => {
        setValue(next);
        onValue(next);
      }}
    />
  );
}

function setup(props: Omit<React.ComponentProps<typeof Harness>, "onValue"> = {}) {
  const seen: { value: RowTransform[] } = { value: props.initial ?? [] };
  const user = userEvent.setup({ delay: null });
  render(<Harness {...props} onValue={(v) => (seen.value = v)} />);
  return { user, seen };
}

async function pick(user: ReturnType<typeof userEvent.setup>, trigger: HTMLElement, option: string) {
  await user.click(trigger);
  await user.click(await screen.findByRole("option", { name: option }));
}

async function add(user: ReturnType<typeof userEvent.setup>, label: string) {
  await pick(user, screen.getByLabelText("Add a row transform"), label);
  await user.click(screen.getByRole("button", { name: "Add" }));
}

describe("RowTransformsEditor", () => {
  it("adds a filter and a keep-last dedupe on two keys", async () => {
    const { user, seen } = setup();
    expect(screen.getByText("No row transforms: every mapped row is loaded.")).toBeInTheDocument();

    await add(user, "Keep rows where");
    await user.type(screen.getByLabelText("Expression (true keeps the row)"), "id > 0");
    await add(user, "Remove duplicates");
    const dedupe = screen.getByTestId("row-transform-1");
    await user.click(within(dedupe).getByRole("checkbox", { name: "Key last" }));
    await user.click(within(dedupe).getByRole("checkbox", { name: "Key first" }));
    await pick(user, within(dedupe).getByLabelText("Keep"), "The last row of each key");

    expect(seen.value).toEqual([
      { type: "filter", args: { expression: "id > 0" } },
      { type: "dedupe", args: { keys: ["last", "first"], keep: "last" } },
    ]);
  });

  it("builds a concat in column order and lists the new column, which a later split can read", async () => {
    const { user, seen } = setup();

    await add(user, "Join columns");
    const concat = screen.getByTestId("row-transform-0");
    await pick(user, within(concat).getByLabelText("Columns, in order"), "last");
    await pick(user, within(concat).getByLabelText("Columns, in order"), "first");
    const separator = within(concat).getByLabelText("Separator");
    await user.clear(separator);
    await user.type(separator, ", ");
    await user.type(within(concat).getByLabelText("Into column (new or mapped)"), "full_name");
    expect(screen.getByTestId("row-transforms-new-columns")).toHaveTextContent("New columns: full_name (TEXT)");

    await add(user, "Split a column");
    const split = screen.getByTestId("row-transform-1");
    await pick(user, within(split).getByLabelText("Column"), "full_name");
    const index = within(split).getByLabelText("Part (0 the first, -1 the last)");
    await user.clear(index);
    await user.type(index, "-1");
    await user.type(within(split).getByLabelText("Into column (new or mapped)"), "first");

    expect(seen.value).toEqual([
      { type: "concat", args: { columns: ["last", "first"], separator: ", ", into: "full_name" } },
      { type: "split", args: { column: "full_name", separator: ",", index: -1, into: "first" } },
    ]);
    // `first` is a mapped column: overwritten, not new.
    expect(screen.getByTestId("row-transforms-new-columns")).toHaveTextContent("New columns: full_name (TEXT)");
  });

  it("offers only date and timestamp columns to a date part, with its zone", async () => {
    const { user, seen } = setup();

    await add(user, "Date part");
    const part = screen.getByTestId("row-transform-0");
    await user.click(within(part).getByLabelText("Date or timestamp column"));
    expect((await screen.findAllByRole("option")).map((o) => o.textContent)).toEqual(["ordered_at"]);
    await user.click(screen.getByRole("option", { name: "ordered_at" }));
    await pick(user, within(part).getByLabelText("Part"), "Day of week (Sunday 0)");
    await user.type(within(part).getByLabelText("Time zone (zoned timestamps)"), "Europe/Berlin");
    await user.type(within(part).getByLabelText("Into column (new or mapped)"), "weekday");

    expect(seen.value).toEqual([
      { type: "date_part", args: { column: "ordered_at", part: "dow", timezone: "Europe/Berlin", into: "weekday" } },
    ]);
    expect(screen.getByTestId("row-transforms-new-columns")).toHaveTextContent("weekday (INTEGER)");
  });

  it("takes a conditional's then from a column and its else as a value, empty meaning NULL", async () => {
    const { user, seen } = setup();

    await add(user, "If / then / else");
    const conditional = screen.getByTestId("row-transform-0");
    expect(within(conditional).getByText("Needs when, into")).toBeInTheDocument();
    await user.type(within(conditional).getByLabelText("When (expression)"), "id > 10");
    await pick(user, within(conditional).getByLabelText("Then: a value or a column"), "Column");
    await pick(user, within(conditional).getByLabelText("Then"), "last");
    await user.type(within(conditional).getByLabelText("Else"), "x");
    await user.clear(within(conditional).getByLabelText("Else"));
    await user.type(within(conditional).getByLabelText("Into column (new or mapped)"), "label");
    await pick(user, within(conditional).getByLabelText("Type of a new column"), "TEXT");

    expect(seen.value).toEqual([
      { type: "conditional", args: { when: "id > 10", then: { column: "last" }, else: null, into: "label", type: "TEXT" } },
    ]);
    expect(within(conditional).queryByText(/^Needs/)).not.toBeInTheDocument();
  });

  it("reorders and removes transforms and shows the server's problems", async () => {
    const initial: RowTransform[] = [
      { type: "filter", args: { expression: "id > 0" } },
      { type: "dedupe", args: { keys: ["id"], keep: "first" } },
    ];
    const problem = "row transform 1 (filter): expression 'id >': syntax error";
    const { user, seen } = setup({ initial, problems: [problem] });

    expect(screen.getByRole("alert")).toHaveTextContent(problem);
    await user.click(screen.getByRole("button", { name: "Move 2. Remove duplicates up" }));
    expect(seen.value.map((t) => t.type)).toEqual(["dedupe", "filter"]);
    await user.click(screen.getByRole("button", { name: "Remove 2. Keep rows where" }));
    expect(seen.value).toEqual([{ type: "dedupe", args: { keys: ["id"], keep: "first" } }]);
  });

  it("shows transforms read-only when disabled", () => {
    setup({ initial: [{ type: "filter", args: { expression: "id > 0" } }], disabled: true });

    expect(screen.getByLabelText("Expression (true keeps the row)")).toBeDisabled();
    expect(screen.getByRole("button", { name: "Remove 1. Keep rows where" })).toBeDisabled();
    expect(screen.queryByLabelText("Add a row transform")).not.toBeInTheDocument();
  });
});

describe("columnsAfter", () => {
  it("types new columns as the engine does", () => {
    const transforms: RowTransform[] = [
      { type: "date_part", args: { column: "ordered_at", part: "year", into: "y" } },
      { type: "conditional", args: { when: "id > 1", then: { column: "ordered_at" }, else: null, into: "at" } },
      { type: "conditional", args: { when: "id > 1", then: 1, else: "x", into: "mixed" } },
      { type: "conditional", args: { when: "id > 1", then: 1, else: 2, into: "n", type: "BIGINT" } },
      { type: "concat", args: { columns: ["first"], into: "id" } },
    ];
    expect(columnsAfter(transforms, COLUMNS).slice(COLUMNS.length)).toEqual([
      { name: "y", type: "INTEGER" },
      { name: "at", type: "TIMESTAMPTZ" },
      { name: "mixed", type: "TEXT" },
      { name: "n", type: "BIGINT" },
    ]);
  });
});
