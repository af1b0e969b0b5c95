import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { DatabaseBrowserPage } from "@/features/database-browser/components/database-browser-page";
import { credential, operator, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { CatalogTable, CatalogTableDetail, QueryResult, UserRead } from "@/types/api";

const warehouse = credential({ id: 1, name: "Local warehouse" });

const orders: CatalogTable = { schema: "main", name: "orders", kind: "table", row_estimate: 120, size_bytes: 2048 };
const recent: CatalogTable = { schema: "main", name: "recent_orders", kind: "view", row_estimate: null, size_bytes: null };

const ordersDetail: CatalogTableDetail = {
  ...orders,
  columns: [
    { name: "id", type: "BIGINT", nullable: false, default: null },
    { name: "code", type: "VARCHAR", nullable: false, default: null },
    { name: "amount", type: "DECIMAL(38,10)", nullable: true, default: "0" },
  ],
  primary_key: ["id"],
  unique_keys: [["code"]],
};

const resultColumns: QueryResult["columns"] = [
  { name: "id", type: "BIGINT", value_type: "integer" },
  { name: "code", type: "VARCHAR", value_type: "text" },
  { name: "amount", type: "DECIMAL(38,10)", value_type: "decimal" },
];

function page(offset: number, rows: unknown[][], hasMore: boolean, limit = 50): QueryResult {
  return { columns: resultColumns, rows, offset, limit, has_more: hasMore, capped: false, elapsed_ms: 3.2 };
}

/** The table's rows by offset: 50 on the first page, one on the second. */
function serveCatalog(requests: URLSearchParams[] = []) {
  server.use(
    http.get(apiPath("/credentials/1"), () => HttpResponse.json(warehouse)),
    http.get(apiPath("/credentials/1/browse/schemas"), () => HttpResponse.json(["analytics", "main"])),
    http.get(apiPath("/credentials/1/browse/tables"), ({ request }) => {
      const schema = new URL(request.url).searchParams.get("schema");
      return HttpResponse.json(schema === "main" ? [orders, recent] : []);
    }),
    http.get(apiPath("/credentials/1/browse/table"), ({ request }) => {
      const params = new URL(request.url).searchParams;
      return params.get("table") === "orders"
        ? HttpResponse.json(ordersDetail)
        : HttpResponse.json({ error: "EntityNotFound", message: "No table main.x" }, { status: 404 });
    }),
    http.get(apiPath("/credentials/1/browse/rows"), ({ request }) => {
      const params = new URL(request.url).searchParams;
      requests.push(params);
      const offset = Number(params.get("offset"));
      if (offset === 0) {
        const rows = Array.from({ length: 50 }, (_, i) => [i + 1, `C${i + 1}`, "12345678901234567890.1234567890"]);
        return HttpResponse.json(page(0, rows, true));
      }
      return HttpResponse.json(page(offset, [["9007199254740993", "LAST", null]], false));
    }),
  );
}

function renderBrowser(url = "/connections/1/browse", currentUser: UserRead = operator()) {
  return renderWithApp(<DatabaseBrowserPage />, { path: "/connections/:credentialId/browse", url, currentUser });
}

describe("DatabaseBrowserPage", () => {
  it("lists schemas, then a schema's tables and views with estimates and sizes", async () => {
    serveCatalog();
    const { user } = renderBrowser();

    expect(await screen.findByRole("heading", { name: "Browse Local warehouse" })).toBeInTheDocument();
    const tree = await screen.findByRole("navigation", { name: "Schemas and tables" });
    expect(within(tree).getByRole("button", { name: "analytics" })).toHaveAttribute("aria-expanded", "false");
    await user.click(within(tree).getByRole("button", { name: "main" }));

    const tables = await within(tree).findByRole("list", { name: "Tables in main" });
    const ordersButton = within(tables).getByRole("button", { name: /^orders/ });
    expect(ordersButton).toHaveTextContent(/^orders~120 rows · 2.0 KB$/);
    expect(within(tables).getByRole("button", { name: /recent_orders/ })).toHaveTextContent(/^recent_ordersview$/);
  });

  it("shows a selected table's columns with their keys and its rows, typed and as sent", async () => {
    serveCatalog();
    const { user, router } = renderBrowser();

    await user.click(await screen.findByRole("button", { name: "main" }));
    await user.click(await screen.findByRole("button", { name: /^orders/ }));

    expect(router.state.location.search).toBe("?schema=main&table=orders");
    const columns = await screen.findByRole("table", { name: "Columns of main.orders" });
    const id = within(columns).getByText("id").closest("tr")!;
    expect(within(id).getByText("PK")).toBeInTheDocument();
    expect(within(id).getByText("no")).toBeInTheDocument();
    const code = within(columns).getByText("code").closest("tr")!;
    expect(within(code).getByText("unique")).toBeInTheDocument();
    const amount = within(columns).getByText("amount").closest("tr")!;
    expect(within(amount).getByText("DECIMAL(38,10)")).toBeInTheDocument();
    expect(within(amount).getByText("yes")).toBeInTheDocument();

    const rows = await screen.findByRole("table", { name: "Rows of main.orders" });
    // A decimal past a double's precision is shown digit for digit.
    expect(within(rows).getAllByText("12345678901234567890.1234567890")).toHaveLength(50);
    expect(screen.getByText(/Rows 1–50, more follow/)).toBeInTheDocument();
  });

  it("opens at the table named in the URL and pages through its rows", async () => {
    const requests: URLSearchParams[] = [];
    serveCatalog(requests);
    const { user } = renderBrowser("/connections/1/browse?schema=main&table=orders");

    // The preselected table's schema is open and its table marked.
    const tables = await screen.findByRole("list", { name: "Tables in main" });
    expect(within(tables).getByRole("button", { name: /^orders/ })).toHaveAttribute("aria-current", "true");
    const rows = await screen.findByRole("table", { name: "Rows of main.orders" });
    expect(within(rows).getByText("C1")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await user.click(screen.getByRole("button", { name: "Next" }));

    expect(await screen.findByText("LAST")).toBeInTheDocument();
    // An integer past 2^53 arrives as a string and is shown exactly.
    expect(screen.getByText("9007199254740993")).toBeInTheDocument();
    expect(screen.getByText(/^Rows 51–51/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(requests.map((params) => [params.get("schema"), params.get("table"), params.get("offset"), params.get("limit")])).toEqual([
      ["main", "orders", "0", "50"],
      ["main", "orders", "50", "50"],
    ]);

    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("C1")).toBeInTheDocument();
  });

  it("runs a query and pages its results", async () => {
    serveCatalog();
    const bodies: unknown[] = [];
    server.use(
      http.post(apiPath("/credentials/1/query"), async ({ request }) => {
        const body = (await request.json()) as { offset: number };
        bodies.push(body);
        return body.offset === 0
          ? HttpResponse.json(page(0, Array.from({ length: 100 }, (_, i) => [i, `Q${i}`, "1.50"]), true, 100))
          : HttpResponse.json(page(100, [[100, "Q100", "2.50"]], false, 100));
      }),
    );
    const { user } = renderBrowser("/connections/1/browse?schema=main&table=orders");

    await user.click(await screen.findByRole("tab", { name: "Query" }));
    const editor = screen.getByLabelText("SQL");
    expect(editor).toHaveValue('SELECT * FROM "main"."orders"');
    await user.clear(editor);
    await user.type(editor, "SELECT id, code, amount FROM main.orders");
    await user.click(screen.getByRole("button", { name: "Run" }));

    const result = await screen.findByRole("table", { name: "Query result" });
    expect(within(result).getByText("Q99")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Q100")).toBeInTheDocument();
    expect(bodies).toEqual([
      { sql: "SELECT id, code, amount FROM main.orders", offset: 0, limit: 100 },
      { sql: "SELECT id, code, amount FROM main.orders", offset: 100, limit: 100 },
    ]);
  });

  it("explains a refused query: only one read-only SELECT is allowed", async () => {
    serveCatalog();
    server.use(
      http.post(apiPath("/credentials/1/query"), () =>
        HttpResponse.json(
          { error: "QueryRefused", message: "Only a SELECT may run here: DELETE writes", details: {} },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderBrowser();

    await user.click(await screen.findByRole("tab", { name: "Query" }));
    await user.type(screen.getByLabelText("SQL"), "DELETE FROM main.orders");
    await user.click(screen.getByRole("button", { name: "Run" }));

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Query refused")).toBeInTheDocument();
    expect(within(alert).getByText("Only a SELECT may run here: DELETE writes")).toBeInTheDocument();
    expect(within(alert).getByText(/Only one read-only SELECT statement is allowed here/)).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Query result" })).not.toBeInTheDocument();
  });

  it("shows a viewer the browser without the query tab", async () => {
    serveCatalog();
    renderBrowser("/connections/1/browse?schema=main&table=orders", viewer());

    expect(await screen.findByRole("table", { name: "Rows of main.orders" })).toBeInTheDocument();
    expect(screen.getByRole("tab", { name: "Table" })).toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: "Query" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("SQL")).not.toBeInTheDocument();
  });

  it("says so when the connection cannot be browsed", async () => {
    server.use(
      http.get(apiPath("/credentials/1"), () => HttpResponse.json(warehouse)),
      http.get(apiPath("/credentials/1/browse/schemas"), () =>
        HttpResponse.json({ error: "ConnectionUnreachable", message: "Cannot reach db.internal:5432" }, { status: 502 }),
      ),
    );
    renderBrowser();

    expect(await screen.findByText("Could not list the schemas")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText("Cannot reach db.internal:5432")).toBeInTheDocument());
  });
});
