import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { CredentialsPage } from "@/features/credentials/components/credentials-page";
import { credential, operator, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { CredentialRead } from "@/types/api";

const warehouse = credential({ id: 1, name: "Local warehouse" });
const analytics = credential({
  id: 2,
  name: "Analytics",
  kind: "postgres",
  host: "db.internal",
  port: 5432,
  database: "analytics",
  username: "loader",
  has_password: true,
  options: { sslmode: "require" },
  is_builtin: false,
});

function serveList(items: CredentialRead[]) {
  server.use(http.get(apiPath("/credentials"), () => HttpResponse.json({ items, total: items.length })));
}

describe("CredentialsPage", () => {
  it("lists connections without ever showing a password", async () => {
    serveList([warehouse, analytics]);
    renderWithApp(<CredentialsPage />, { path: "/credentials" });

    const row = (await screen.findByText("Analytics")).closest("tr")!;
    expect(within(row).getByText("db.internal:5432/analytics")).toBeInTheDocument();
    expect(within(row).getByText("stored")).toBeInTheDocument();
    const builtin = screen.getByText("Local warehouse").closest("tr")!;
    expect(within(builtin).getByText("built-in")).toBeInTheDocument();
    // The built-in warehouse is managed by the portal: test only.
    expect(within(builtin).queryByRole("button", { name: /Edit|Delete/ })).not.toBeInTheDocument();
  });

  it("links each browsable connection, the built-in warehouse included, to its database browser", async () => {
    const redshift = credential({ id: 4, name: "Redshift", kind: "redshift", browsable: false, is_builtin: false });
    serveList([warehouse, analytics, redshift]);
    renderWithApp(<CredentialsPage />, { path: "/credentials", currentUser: viewer() });

    expect(await screen.findByRole("link", { name: "Browse Local warehouse" })).toHaveAttribute("href", "/connections/1/browse");
    expect(screen.getByRole("link", { name: "Browse Analytics" })).toHaveAttribute("href", "/connections/2/browse");
    expect(screen.queryByRole("link", { name: "Browse Redshift" })).not.toBeInTheDocument();
  });

  it("creates a PostgreSQL connection after testing it", async () => {
    serveList([]);
    const tested: unknown[] = [];
    const created: unknown[] = [];
    server.use(
      http.post(apiPath("/credentials/test"), async ({ request }) => {
        tested.push(await request.json());
        return HttpResponse.json({ ok: true, message: "Logged in as loader", server_version: "PostgreSQL 17.2", latency_ms: 12.4 });
      }),
      http.post(apiPath("/credentials"), async ({ request }) => {
        created.push(await request.json());
        serveList([analytics]);
        return HttpResponse.json(analytics, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "New connection" }));
    const dialog = await screen.findByRole("dialog", { name: "New connection" });
    await user.type(within(dialog).getByLabelText("Name"), "Analytics");
    await user.type(within(dialog).getByLabelText("Host"), "db.internal");
    await user.type(within(dialog).getByLabelText("Database"), "analytics");
    await user.type(within(dialog).getByLabelText("User"), "loader");
    await user.type(within(dialog).getByLabelText("Password"), "s3cret");
    await user.click(within(dialog).getByRole("button", { name: "Test connection" }));

    expect(await within(dialog).findByText("Connected")).toBeInTheDocument();
    expect(within(dialog).getByText("Logged in as loader")).toBeInTheDocument();
    expect(within(dialog).getByText("PostgreSQL 17.2 · 12 ms")).toBeInTheDocument();
    expect(tested[0]).toEqual({
      kind: "postgres",
      host: "db.internal",
      port: 5432,
      database: "analytics",
      username: "loader",
      password: "s3cret",
      usage: "destination",
      options: { sslmode: "prefer" },
    });

    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(created[0]).toMatchObject({ name: "Analytics", kind: "postgres", password: "s3cret" });
    expect(await screen.findByText("db.internal:5432/analytics")).toBeInTheDocument();
  });

  it("says which fields are missing instead of sending an incomplete connection", async () => {
    serveList([]);
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "New connection" }));
    const dialog = await screen.findByRole("dialog");
    await user.clear(within(dialog).getByLabelText("Port"));
    await user.type(within(dialog).getByLabelText("Port"), "99999");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    expect(await within(dialog).findByText("Give the connection a name")).toBeInTheDocument();
    expect(within(dialog).getAllByText("Required")).toHaveLength(3);
    expect(within(dialog).getByText("A port is a number from 1 to 65535")).toBeInTheDocument();
    expect(within(dialog).getByLabelText("Host")).toHaveAttribute("aria-invalid", "true");
  });

  it("edits a connection keeping the stored password unless a new one is typed", async () => {
    serveList([analytics]);
    const updates: Record<string, unknown>[] = [];
    server.use(
      http.put(apiPath("/credentials/2"), async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        updates.push(body);
        return HttpResponse.json({ ...analytics, host: body.host as string });
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "Edit Analytics" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Analytics" });
    const password = within(dialog).getByLabelText("Password");
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("placeholder", "unchanged");
    expect(within(dialog).getByRole("combobox", { name: "SSL" })).toHaveTextContent("require");
    await user.clear(within(dialog).getByLabelText("Host"));
    await user.type(within(dialog).getByLabelText("Host"), "db2.internal");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).not.toHaveProperty("password");
    expect(updates[0]).toMatchObject({ name: "Analytics", host: "db2.internal", options: { sslmode: "require" } });
  });

  it("switches to a file path for DuckDB", async () => {
    serveList([]);
    const created: unknown[] = [];
    server.use(
      http.post(apiPath("/credentials"), async ({ request }) => {
        created.push(await request.json());
        return HttpResponse.json(credential({ id: 5, name: "Scratch", is_builtin: false }), { status: 201 });
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "New connection" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "Scratch");
    await user.click(within(dialog).getByRole("combobox", { name: "Kind" }));
    await user.click(await screen.findByRole("option", { name: "DuckDB file" }));
    expect(within(dialog).queryByLabelText("Host")).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText("Database file"), "/data/scratch.duckdb");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    await waitFor(() => expect(created).toEqual([{ name: "Scratch", kind: "duckdb", options: { path: "/data/scratch.duckdb" } }]));
  });

  it("tests a saved connection from the list and reports a failure", async () => {
    serveList([analytics]);
    server.use(
      http.post(apiPath("/credentials/2/test"), () =>
        HttpResponse.json({ ok: false, message: "password authentication failed for user \"loader\"", server_version: null, latency_ms: null }),
      ),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "Test Analytics" }));

    expect(await screen.findByText("Analytics: connection failed")).toBeInTheDocument();
    expect(screen.getByText('password authentication failed for user "loader"')).toBeInTheDocument();
  });

  it("shows why a connection in use cannot be deleted", async () => {
    serveList([analytics]);
    server.use(
      http.delete(apiPath("/credentials/2"), () =>
        HttpResponse.json(
          { error: "CredentialInUse", message: "Credential 2 is used by job 'Load sales'", details: { credential_id: 2 } },
          { status: 409 },
        ),
      ),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "Delete Analytics" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Delete" }));

    expect(await screen.findByText("Credential 2 is used by job 'Load sales'")).toBeInTheDocument();
    expect(screen.getByText("Analytics")).toBeInTheDocument();
  });
});

describe("CredentialsPage by role", () => {
  it("lets an operator test a saved connection but not create, edit or delete one", async () => {
    serveList([warehouse, analytics]);
    renderWithApp(<CredentialsPage />, { path: "/credentials", currentUser: operator() });

    const row = (await screen.findByText("Analytics")).closest("tr")!;
    expect(within(row).getByRole("button", { name: "Test Analytics" })).toBeInTheDocument();
    expect(within(row).queryByRole("button", { name: /Edit|Delete/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New connection" })).not.toBeInTheDocument();
  });

  it("shows a viewer the connections only", async () => {
    serveList([analytics]);
    renderWithApp(<CredentialsPage />, { path: "/credentials", currentUser: viewer() });

    const row = (await screen.findByText("Analytics")).closest("tr")!;
    expect(within(row).getByText("db.internal:5432/analytics")).toBeInTheDocument();
    expect(within(row).queryByRole("button")).not.toBeInTheDocument();
  });
});
