import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { VariablesPage } from "@/features/variables/components/variables-page";
import type { ContextVariableRead, RenderResult, VariableRead } from "@/features/variables/types";
import { credential, operator, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function variable(overrides: Partial<VariableRead> = {}): VariableRead {
  return {
    id: 1,
    name: "region",
    kind: "static",
    description: null,
    value: "EMEA",
    credential_id: null,
    connection_name: null,
    query: null,
    created_at: "2026-11-30T05:00:00Z",
    updated_at: "2026-11-30T05:00:00Z",
    ...overrides,
  };
}

const CONTEXT: ContextVariableRead[] = [
  { name: "ds", description: "the run's logical date, YYYY-MM-DD" },
  { name: "job", description: "the same as job_name" },
];
const SOURCE = credential({ id: 4, name: "shop db", kind: "postgres", usage: "source", is_builtin: false, options: {} });
const MYSQL = credential({ id: 5, name: "legacy", kind: "mysql", usage: "source", is_builtin: false, options: {} });
const ORACLE = credential({ id: 6, name: "erp", kind: "oracle", usage: "source", is_builtin: false, options: {} });

function serveVariables(initial: VariableRead[]) {
  let items = [...initial];
  const sent: { method: string; path: string; body?: unknown }[] = [];
  server.use(
    http.get(apiPath("/variables"), () => HttpResponse.json({ items, total: items.length })),
    http.get(apiPath("/variables/context"), () => HttpResponse.json(CONTEXT)),
    http.get(apiPath("/credentials"), ({ request }) => {
      expect(new URL(request.url).searchParams.get("usage")).toBe("source");
      return HttpResponse.json({ items: [SOURCE, MYSQL, ORACLE], total: 3 });
    }),
    http.post(apiPath("/variables"), async ({ request }) => {
      const body = (await request.json()) as Partial<VariableRead>;
      sent.push({ method: "POST", path: "/variables", body });
      if (body.name === "taken") return HttpResponse.json({ error: "VariableNameTaken", message: "taken" }, { status: 409 });
      if (body.query?.startsWith("DELETE")) {
        return HttpResponse.json({ error: "QueryRefused", message: "Query refused: a source query is one SELECT" }, { status: 422 });
      }
      const created = variable({ ...body, id: 10 + items.length, connection_name: body.credential_id ? "shop db" : null });
      items = [...items, created];
      return HttpResponse.json(created, { status: 201 });
    }),
    http.put(apiPath("/variables/:id"), async ({ params, request }) => {
      const body = (await request.json()) as Partial<VariableRead>;
      sent.push({ method: "PUT", path: `/variables/${String(params.id)}`, body });
      items = items.map((v) => (v.id === Number(params.id) ? { ...v, ...body } : v));
      return HttpResponse.json(items.find((v) => v.id === Number(params.id)));
    }),
    http.delete(apiPath("/variables/:id"), ({ params }) => {
      sent.push({ method: "DELETE", path: `/variables/${String(params.id)}` });
      items = items.filter((v) => v.id !== Number(params.id));
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return sent;
}

describe("VariablesPage", () => {
  it("lists static and db_query variables and the built-in ones", async () => {
    serveVariables([
      variable({ value: { code: "EMEA" }, description: "sales region" }),
      variable({ id: 2, name: "last_day", kind: "db_query", credential_id: 4, connection_name: "shop db", query: "SELECT max(day) FROM loads" }),
    ]);
    renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    const region = await screen.findByTestId("variable-row-region");
    expect(within(region).getByText('{"code":"EMEA"}')).toBeInTheDocument();
    expect(within(region).getByText("sales region")).toBeInTheDocument();
    const lastDay = screen.getByTestId("variable-row-last_day");
    expect(within(lastDay).getByText("Database query")).toBeInTheDocument();
    expect(lastDay).toHaveTextContent("shop db: SELECT max(day) FROM loads");
    expect(await screen.findByText("the run's logical date, YYYY-MM-DD")).toBeInTheDocument();
  });

  it("creates a static variable, reading JSON and showing a taken name on its field", async () => {
    const sent = serveVariables([]);
    const { user } = renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    await user.click(await screen.findByRole("button", { name: "New variable" }));
    const dialog = await screen.findByRole("dialog", { name: "New variable" });
    await user.type(within(dialog).getByLabelText("Name"), "9lives");
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));
    expect(await within(dialog).findByText(/Letters, digits and _/)).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "taken");
    await user.type(within(dialog).getByLabelText("Value"), "42");
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));
    expect(await within(dialog).findByText("A variable with this name already exists.")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "max_rows");
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(await screen.findByTestId("variable-row-max_rows")).toHaveTextContent("42");
    expect(sent.at(-1)).toEqual({
      method: "POST",
      path: "/variables",
      body: { name: "max_rows", description: null, kind: "static", value: 42 },
    });
  });

  it("creates a db_query variable on a source connection and shows a refused query on its field", async () => {
    const sent = serveVariables([]);
    const { user } = renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    await user.click(await screen.findByRole("button", { name: "New variable" }));
    const dialog = await screen.findByRole("dialog", { name: "New variable" });
    await user.type(within(dialog).getByLabelText("Name"), "last_day");
    await user.click(within(dialog).getByRole("combobox", { name: "Kind" }));
    await user.click(await screen.findByRole("option", { name: "Database query" }));
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));
    expect(await within(dialog).findByText("Pick the connection the query reads.")).toBeInTheDocument();

    await user.click(within(dialog).getByRole("combobox", { name: "Connection" }));
    const options = await screen.findAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["shop db", "legacy"]); // Oracle has no query path
    await user.click(screen.getByRole("option", { name: "shop db" }));
    await user.type(within(dialog).getByLabelText("Query"), "DELETE FROM loads");
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));
    expect(await within(dialog).findByText("Query refused: a source query is one SELECT")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Query"));
    await user.type(within(dialog).getByLabelText("Query"), "SELECT max(day) FROM loads");
    await user.click(within(dialog).getByRole("button", { name: "Create variable" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(sent.at(-1)?.body).toEqual({
      name: "last_day",
      description: null,
      kind: "db_query",
      credential_id: 4,
      query: "SELECT max(day) FROM loads",
    });
  });

  it("edits a text value that looks like a number without turning it into one, and deletes", async () => {
    const sent = serveVariables([variable({ value: "007" }), variable({ id: 2, name: "code", value: "42" })]);
    const { user } = renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    await user.click(await screen.findByRole("button", { name: "Edit code" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit code" });
    expect(within(dialog).getByLabelText("Value")).toHaveValue('"42"');
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({ method: "PUT", path: "/variables/2", body: { name: "code", description: null, kind: "static", value: "42" } });

    await user.click(await screen.findByRole("button", { name: "Delete region" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByTestId("variable-row-region")).not.toBeInTheDocument());
    expect(sent.at(-1)).toEqual({ method: "DELETE", path: "/variables/1" });
  });

  it("reads a db_query variable now and says what failed", async () => {
    serveVariables([variable({ id: 2, name: "last_day", kind: "db_query", credential_id: 4, connection_name: "shop db", query: "SELECT 1" })]);
    let calls = 0;
    server.use(
      http.post(apiPath("/variables/2/evaluate"), () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ name: "last_day", value: "2026-11-29", type: "date" })
          : HttpResponse.json(
              { error: "VariableFailed", message: "variable 'last_day' failed: it returned more than one row", details: { variable: "last_day" } },
              { status: 422 },
            );
      }),
    );
    const { user } = renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    await user.click(await screen.findByRole("button", { name: "Read last_day now" }));
    expect(await screen.findByText("last_day = 2026-11-29 (date)")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Read last_day now" }));
    expect(await screen.findByText("variable 'last_day' failed: it returned more than one row")).toBeInTheDocument();
  });

  it("previews a query rendered for a date in a connection's dialect, and a template it cannot render", async () => {
    serveVariables([]);
    const bodies: unknown[] = [];
    const rendered: RenderResult = {
      logical_date: "2026-11-29T00:00:00Z",
      rendered: [
        {
          field: "template",
          kind: "query",
          template: "SELECT * FROM {{ t | ident }} WHERE day = {{ ds }}",
          text: "SELECT * FROM `sales` WHERE day = %(p0)s",
          params: [{ name: "p0", value: "2026-11-29", type: "text" }],
        },
      ],
      variables: [{ name: "ds", value: "2026-11-29", type: "text" }],
    };
    server.use(
      http.post(apiPath("/variables/render"), async ({ request }) => {
        const body = (await request.json()) as { template: string };
        bodies.push(body);
        if (body.template.includes("nowhere")) {
          return HttpResponse.json({ error: "TemplateInvalid", message: "template: cannot render: 'nowhere' is undefined" }, { status: 422 });
        }
        return HttpResponse.json(rendered);
      }),
    );
    const { user } = renderWithApp(<VariablesPage />, { path: "/variables", currentUser: operator() });

    const preview = await screen.findByRole("form", { name: "Preview a template" });
    const template = within(preview).getByLabelText("Template");
    await user.clear(template);
    await user.type(template, "SELECT * FROM {{{{ t | ident }} WHERE day = {{{{ ds }}");
    await user.click(within(preview).getByRole("combobox", { name: "Dialect of" }));
    await user.click(await screen.findByRole("option", { name: "legacy" }));
    await user.type(within(preview).getByLabelText("Run date"), "2026-11-29");
    await user.click(within(preview).getByRole("button", { name: "Render" }));

    expect(await screen.findByTestId("rendered-text")).toHaveTextContent("SELECT * FROM `sales` WHERE day = %(p0)s");
    const params = screen.getByRole("table", { name: "Bound parameters" });
    expect(within(params).getByText("p0")).toBeInTheDocument();
    expect(within(params).getByText("2026-11-29")).toBeInTheDocument();
    expect(bodies[0]).toEqual({
      template: "SELECT * FROM {{ t | ident }} WHERE day = {{ ds }}",
      kind: "query",
      logical_date: "2026-11-29T00:00:00Z",
      connection_id: 5,
    });

    await user.clear(template);
    await user.type(template, "SELECT {{{{ nowhere }}");
    await user.click(within(preview).getByRole("button", { name: "Render" }));
    expect(await screen.findByText("template: cannot render: 'nowhere' is undefined")).toBeInTheDocument();
  });
});

describe("VariablesPage for a viewer", () => {
  it("shows the variables without ways to change them or run queries", async () => {
    serveVariables([variable(), variable({ id: 2, name: "last_day", kind: "db_query", credential_id: 4, connection_name: "shop db", query: "SELECT 1" })]);
    renderWithApp(<VariablesPage />, { path: "/variables", currentUser: viewer() });

    expect(await screen.findByTestId("variable-row-region")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New variable" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit region" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Read last_day now" })).not.toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Preview a template" })).not.toBeInTheDocument();
    expect(await screen.findByText("the same as job_name")).toBeInTheDocument();
  });
});
