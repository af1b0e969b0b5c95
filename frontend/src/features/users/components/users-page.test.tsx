import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { UsersPage } from "@/features/users/components/users-page";
import { operator, user as userFixture, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { UserRead } from "@/types/api";

const me = userFixture();

function serveUsers(initial: UserRead[]) {
  let users = [...initial];
  server.use(
    http.get(apiPath("/users"), () => HttpResponse.json({ items: users, total: users.length })),
  );
  return {
    replace: (next: UserRead) => {
      users = users.map((u) => (u.id === next.id ? next : u));
    },
    add: (next: UserRead) => {
      users = [...users, next];
    },
  };
}

function rowOf(email: string) {
  return screen.getByTestId(`user-row-${email}`);
}

describe("UsersPage", () => {
  it("lists users with role, status and last login; your own row cannot be demoted or deactivated", async () => {
    serveUsers([me, operator({ last_login_at: null }), viewer({ active: false, auth_source: "oidc" })]);
    renderWithApp(<UsersPage />, { path: "/users", currentUser: me });

    const mine = await screen.findByTestId("user-row-admin@example.com");
    expect(within(mine).getByText("you")).toBeInTheDocument();
    expect(within(mine).getByRole("combobox", { name: "Role of Ada Admin" })).toBeDisabled();
    expect(within(mine).getByRole("button", { name: "Deactivate Ada Admin" })).toBeDisabled();

    const op = rowOf("operator@example.com");
    expect(within(op).getByRole("combobox", { name: "Role of Otto Operator" })).toHaveTextContent("Operator");
    expect(within(op).getByText("Never")).toBeInTheDocument();
    expect(within(op).getByRole("button", { name: "Deactivate Otto Operator" })).toBeEnabled();

    const vi = rowOf("viewer@example.com");
    expect(within(vi).getByText("Deactivated")).toBeInTheDocument();
    expect(within(vi).getByText("SSO")).toBeInTheDocument();
    // A single sign-on account has no password here to reset.
    expect(within(vi).queryByRole("button", { name: /Reset the password/ })).not.toBeInTheDocument();
    expect(within(vi).getByRole("button", { name: "Reactivate Vera Viewer" })).toBeInTheDocument();
  });

  it("creates a user with a role and a first password", async () => {
    const list = serveUsers([me]);
    const sent: unknown[] = [];
    server.use(
      http.post(apiPath("/users"), async ({ request }) => {
        const body = (await request.json()) as { email: string };
        sent.push(body);
        if (body.email === "taken@example.com") {
          return HttpResponse.json({ error: "UserExists", message: "A user with this email exists" }, { status: 409 });
        }
        const created = operator({ id: 9, email: body.email, name: "Nora New" });
        list.add(created);
        return HttpResponse.json(created, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<UsersPage />, { path: "/users", currentUser: me });

    await user.click(await screen.findByRole("button", { name: "New user" }));
    const dialog = await screen.findByRole("dialog", { name: "New user" });
    await user.type(within(dialog).getByLabelText("Email"), "taken@example.com");
    await user.type(within(dialog).getByLabelText("Name"), "Nora New");
    await user.click(within(dialog).getByRole("combobox", { name: "Role" }));
    await user.click(await screen.findByRole("option", { name: "Operator" }));
    await user.type(within(dialog).getByLabelText("First password"), "first-pass-1");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    expect(await within(dialog).findByText("A user with this email already exists.")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Email"));
    await user.type(within(dialog).getByLabelText("Email"), "nora@example.com");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));

    await waitFor(() => expect(screen.queryByRole("dialog", { name: "New user" })).not.toBeInTheDocument());
    expect(await screen.findByTestId("user-row-nora@example.com")).toBeInTheDocument();
    expect(sent[1]).toEqual({ email: "nora@example.com", name: "Nora New", role: "operator", password: "first-pass-1" });
  });

  it("changes a role and explains the last-admin rule when the API refuses", async () => {
    const list = serveUsers([me, operator()]);
    const patches: unknown[] = [];
    server.use(
      http.patch(apiPath("/users/:id"), async ({ request }) => {
        const body = (await request.json()) as { role: UserRead["role"] };
        patches.push(body);
        if (body.role === "viewer") {
          return HttpResponse.json({ error: "LastAdmin", message: "No admin would be left" }, { status: 409 });
        }
        const saved = operator({ role: body.role });
        list.replace(saved);
        return HttpResponse.json(saved);
      }),
    );
    const { user } = renderWithApp(<UsersPage />, { path: "/users", currentUser: me });

    const role = await screen.findByRole("combobox", { name: "Role of Otto Operator" });
    await user.click(role);
    await user.click(await screen.findByRole("option", { name: "Admin" }));
    expect(await screen.findByText("Otto Operator is now admin")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Role of Otto Operator" })).toHaveTextContent("Admin"));

    await user.click(screen.getByRole("combobox", { name: "Role of Otto Operator" }));
    await user.click(await screen.findByRole("option", { name: "Viewer" }));
    expect(await screen.findByText("The portal must keep at least one active admin.")).toBeInTheDocument();
    expect(patches).toEqual([{ role: "admin" }, { role: "viewer" }]);
  });

  it("deactivates after confirmation and resets a password", async () => {
    const list = serveUsers([me, operator()]);
    const calls: unknown[] = [];
    server.use(
      http.patch(apiPath("/users/2"), async ({ request }) => {
        const body = (await request.json()) as { active: boolean };
        calls.push(["patch", body]);
        const saved = operator({ active: body.active });
        list.replace(saved);
        return HttpResponse.json(saved);
      }),
      http.post(apiPath("/users/2/password"), async ({ request }) => {
        calls.push(["password", await request.json()]);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<UsersPage />, { path: "/users", currentUser: me });

    await user.click(await screen.findByRole("button", { name: "Deactivate Otto Operator" }));
    const confirm = await screen.findByRole("alertdialog", { name: "Deactivate Otto Operator?" });
    await user.click(within(confirm).getByRole("button", { name: "Deactivate" }));
    expect(await screen.findByText("Otto Operator deactivated")).toBeInTheDocument();
    expect(await within(rowOf("operator@example.com")).findByText("Deactivated")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Reset the password of Otto Operator" }));
    const dialog = await screen.findByRole("dialog", { name: "Reset the password of Otto Operator" });
    await user.type(within(dialog).getByLabelText("New password"), "temporary-99");
    await user.click(within(dialog).getByRole("button", { name: "Set password" }));
    expect(await screen.findByText("New password set for Otto Operator")).toBeInTheDocument();
    expect(calls).toEqual([
      ["patch", { active: false }],
      ["password", { new_password: "temporary-99" }],
    ]);
  });
});
