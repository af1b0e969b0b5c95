import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { AuditPage } from "@/features/audit/components/audit-page";
import { auditEvent } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function serveEvents(total = 2) {
  const queries: Record<string, string>[] = [];
  server.use(
    http.get(apiPath("/audit-events"), ({ request }) => {
      const params = Object.fromEntries(new URL(request.url).searchParams);
      queries.push(params);
      const offset = Number(params.offset ?? 0);
      const items =
        offset > 0
          ? [auditEvent({ id: 99, action: "logout", resource_type: "session", resource_id: null, changes: null })]
          : [
              auditEvent({ id: 2, action: "execute", resource_type: "job", resource_id: "4", actor_email: "op@example.com", changes: null }),
              auditEvent({
                id: 1,
                action: "update",
                resource_type: "credential",
                resource_id: "3",
                changes: { host: { before: "old.db", after: "new.db" }, password: { before: "***", after: "***" } },
              }),
            ];
      return HttpResponse.json({ items, total });
    }),
  );
  return queries;
}

describe("AuditPage", () => {
  it("shows who did what to which resource, with the changed fields", async () => {
    serveEvents();
    const { user } = renderWithApp(<AuditPage />, { path: "/audit" });

    const table = await screen.findByRole("table", { name: "Audit events" });
    const execute = within(table).getByText("Executed").closest("tr")!;
    expect(within(execute).getByText("op@example.com")).toBeInTheDocument();
    expect(within(execute).getByText("Job 4")).toBeInTheDocument();
    const update = within(table).getByText("Updated").closest("tr")!;
    expect(within(update).getByText("Connection 3")).toBeInTheDocument();
    await user.click(within(update).getByText("host, password"));
    expect(within(update).getByText("old.db → new.db")).toBeInTheDocument();
    expect(within(update).getByText("*** → ***")).toBeInTheDocument();
  });

  it("filters by person, action and resource through the query, kept in the address", async () => {
    const queries = serveEvents();
    const { user, router } = renderWithApp(<AuditPage />, { path: "/audit" });
    await screen.findByRole("table", { name: "Audit events" });

    await user.type(screen.getByLabelText("Who (email)"), "op@example.com");
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ actor_email: "op@example.com" }));
    await user.click(screen.getByRole("combobox", { name: "Action" }));
    await user.click(await screen.findByRole("option", { name: "Executed" }));
    await user.click(screen.getByRole("combobox", { name: "Resource" }));
    await user.click(await screen.findByRole("option", { name: "Job" }));

    await waitFor(() =>
      expect(queries.at(-1)).toEqual({
        actor_email: "op@example.com",
        action: "execute",
        resource_type: "job",
        offset: "0",
        limit: "50",
      }),
    );
    expect(router.state.location.search).toBe("?actor_email=op%40example.com&action=execute&resource_type=job");
  });

  it("reads filters from the address and pages through the log", async () => {
    const queries = serveEvents(120);
    const { user } = renderWithApp(<AuditPage />, { path: "/audit", url: "/audit?action=login_failed&since=2026-11-30T08:00" });

    await screen.findByRole("table", { name: "Audit events" });
    expect(queries[0]).toMatchObject({ action: "login_failed", since: new Date("2026-11-30T08:00").toISOString() });
    expect(screen.getByText("1–2 of 120")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Logged out")).toBeInTheDocument();
    expect(queries.at(-1)).toMatchObject({ action: "login_failed", offset: "50" });
  });

  it("says when nothing matches and clears the filters", async () => {
    const queries: string[] = [];
    server.use(
      http.get(apiPath("/audit-events"), ({ request }) => {
        queries.push(new URL(request.url).search);
        const filtered = new URL(request.url).searchParams.has("actor_email");
        return HttpResponse.json(filtered ? { items: [], total: 0 } : { items: [auditEvent()], total: 1 });
      }),
    );
    const { user } = renderWithApp(<AuditPage />, { path: "/audit", url: "/audit?actor_email=nobody%40example.com" });

    expect(await screen.findByText("No events match these filters")).toBeInTheDocument();
    expect(screen.getByLabelText("Who (email)")).toHaveValue("nobody@example.com");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));

    expect(await screen.findByRole("table", { name: "Audit events" })).toBeInTheDocument();
    expect(screen.getByLabelText("Who (email)")).toHaveValue("");
  });
});
