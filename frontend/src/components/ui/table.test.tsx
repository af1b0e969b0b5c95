import { fireEvent, render, screen } from "@testing-library/react";

import { Table, TableBody, TableCell, TableRow } from "@/components/ui/table";

function WideTable() {
  return (
    <Table aria-label="Runs">
      <TableBody>
        <TableRow>
          <TableCell>Load sales</TableCell>
          <TableCell>
            <button type="button">Delete</button>
          </TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}

// jsdom has no layout: the container's widths are what a 390 px screen gives an 800 px table.
function layOut(widths: { scroll: number; client: number }) {
  vi.spyOn(HTMLElement.prototype, "scrollWidth", "get").mockImplementation(function (this: HTMLElement) {
    return this.dataset.slot === "table-container" ? widths.scroll : 0;
  });
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockImplementation(function (this: HTMLElement) {
    return this.dataset.slot === "table-container" ? widths.client : 0;
  });
}

describe("Table", () => {
  it("says there is more to the right of a table wider than its place, until scrolled to the end", () => {
    layOut({ scroll: 800, client: 390 });
    render(<WideTable />);
    const container = screen.getByRole("table", { name: "Runs" }).parentElement!;

    expect(screen.getByTestId("table-scroll-hint")).toHaveTextContent("Scroll for more");
    expect(container).toHaveAttribute("data-overflow", "after");
    expect(container).toHaveAttribute("tabindex", "0");

    container.scrollLeft = 200;
    fireEvent.scroll(container);
    expect(container).toHaveAttribute("data-overflow", "before after");

    container.scrollLeft = 410;
    fireEvent.scroll(container);
    expect(container).toHaveAttribute("data-overflow", "before");
    expect(screen.queryByTestId("table-scroll-hint")).not.toBeInTheDocument();
  });

  it("shows no hint when the table fits", () => {
    layOut({ scroll: 390, client: 390 });
    render(<WideTable />);
    const container = screen.getByRole("table", { name: "Runs" }).parentElement!;

    expect(screen.queryByTestId("table-scroll-hint")).not.toBeInTheDocument();
    expect(container).not.toHaveAttribute("data-overflow");
    expect(container).not.toHaveAttribute("tabindex");
  });
});
