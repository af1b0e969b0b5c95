import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { AppLayout } from "@/app/layout";
import { setSessionExpiredHandler } from "@/lib/api-client";
import { operator, user as userFixture, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function navLinks() {
  const nav = screen.getAllByRole("navigation", { name: "Main" })[0]!;
  return [...nav.querySelectorAll("a")].map((a) => a.getAttribute("href"));
}

describe("AppLayout", () => {
  it("links every section and marks the current one", () => {
    renderWithApp(<AppLayout />, { path: "/runs", routes: [] });

    const nav = screen.getAllByRole("navigation", { name: "Main" })[0]!;
    for (const [name, href] of [
      ["Dashboard", "/"],
      ["Upload", "/upload"],
      ["Jobs", "/jobs"],
      ["Runs", "/runs"],
      ["Schedules", "/schedules"],
      ["Credentials", "/credentials"],
      ["Notifications", "/notifications"],
      ["Variables", "/variables"],
      ["API tokens", "/tokens"],
      ["Users", "/users"],
      ["Audit log", "/audit"],
    ]) {
      expect(nav.querySelector(`a[href="${href}"]`)).toHaveTextContent(name!);
    }
    expect(nav.querySelector('a[href="/runs"]')).toHaveAttribute("aria-current", "page");
  });

  it("shows each role only the sections it can use", () => {
    const { unmount } = renderWithApp(<AppLayout />, { currentUser: viewer() });
    expect(navLinks()).toEqual(["/", "/jobs", "/runs", "/schedules", "/credentials", "/notifications", "/variables", "/tokens"]);
    unmount();

    renderWithApp(<AppLayout />, { currentUser: operator() });
    expect(navLinks()).toEqual(["/", "/upload", "/jobs", "/runs", "/schedules", "/credentials", "/notifications", "/variables", "/tokens"]);
  });

  it("opens and closes the menu on a narrow screen", async () => {
    const { user } = renderWithApp(<AppLayout />, { path: "/" });
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Open menu" }));
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(2);

    await user.click(screen.getByRole("button", { name: "Close menu" }));
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(1);
  });

  it("asks the API who is signed in before showing anything", async () => {
    server.use(http.get(apiPath("/auth/me"), () => HttpResponse.json(viewer({ name: "Vic" }))));
    renderWithApp(<AppLayout />, { currentUser: null });

    expect(await screen.findByTestId("user-menu-name")).toHaveTextContent("Vic");
    expect(screen.getByTestId("user-menu-role")).toHaveTextContent("Viewer");
  });

  it("sends a visitor without a session to the login page, showing no error meanwhile", async () => {
    const expired = { error: "NotAuthenticated", message: "Sign in first" };
    const sessionExpired = vi.fn();
    setSessionExpiredHandler(sessionExpired);
    server.use(
      http.get(apiPath("/auth/me"), () => HttpResponse.json(expired, { status: 401 })),
      http.post(apiPath("/auth/refresh"), () => HttpResponse.json({ ...expired, error: "SessionExpired" }, { status: 401 })),
    );
    try {
      renderWithApp(<AppLayout />, { currentUser: null });

      await waitFor(() => expect(sessionExpired).toHaveBeenCalledTimes(1));
      expect(screen.queryByRole("alert")).not.toBeInTheDocument();
      expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
    } finally {
      setSessionExpiredHandler(null);
    }
  });

  it("logs out from the user menu and opens the login page", async () => {
    let loggedOut = false;
    server.use(
      http.post(apiPath("/auth/logout"), () => {
        loggedOut = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user, router } = renderWithApp(<AppLayout />, {
      currentUser: userFixture({ name: "Ada Admin" }),
      routes: [{ path: "/login", element: <p>login page</p> }],
    });

    await user.click(screen.getByRole("button", { name: "Account: Ada Admin" }));
    const menu = await screen.findByRole("menu");
    expect(within(menu).getByText("admin@example.com")).toBeInTheDocument();
    await user.click(within(menu).getByRole("menuitem", { name: "Log out" }));

    expect(await screen.findByText("login page")).toBeInTheDocument();
    expect(loggedOut).toBe(true);
    expect(router.state.location.pathname).toBe("/login");
  });

  it("changes the password from the user menu, telling a wrong current password apart", async () => {
    const sent: unknown[] = [];
    server.use(
      http.post(apiPath("/auth/password"), async ({ request }) => {
        const body = (await request.json()) as { current_password: string };
        sent.push(body);
        return body.current_password === "old-secret"
          ? new HttpResponse(null, { status: 204 })
          : HttpResponse.json({ error: "InvalidCredentials", message: "Wrong email or password" }, { status: 401 });
      }),
    );
    const { user } = renderWithApp(<AppLayout />);

    await user.click(screen.getByRole("button", { name: /^Account:/ }));
    await user.click(await screen.findByRole("menuitem", { name: "Change password" }));
    const dialog = await screen.findByRole("dialog", { name: "Change password" });
    await user.type(within(dialog).getByLabelText("Current password"), "not-it");
    await user.type(within(dialog).getByLabelText("New password"), "short");
    await user.type(within(dialog).getByLabelText("New password again"), "short");
    await user.click(within(dialog).getByRole("button", { name: "Change password" }));
    expect(await within(dialog).findByText("At least 8 characters.", { selector: "[id$=-error]" })).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.clear(within(dialog).getByLabelText("New password"));
    await user.type(within(dialog).getByLabelText("New password"), "a-new-secret");
    await user.clear(within(dialog).getByLabelText("New password again"));
    await user.type(within(dialog).getByLabelText("New password again"), "a-new-secret");
    await user.click(within(dialog).getByRole("button", { name: "Change password" }));
    expect(await within(dialog).findByText("This is not your current password.")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Current password"));
    await user.type(within(dialog).getByLabelText("Current password"), "old-secret");
    await user.click(within(dialog).getByRole("button", { name: "Change password" }));
    expect(await screen.findByText("Password changed")).toBeInTheDocument();
    expect(sent).toEqual([
      { current_password: "not-it", new_password: "a-new-secret" },
      { current_password: "old-secret", new_password: "a-new-secret" },
    ]);
  });

  it("has no password change for a single sign-on account", async () => {
    const { user } = renderWithApp(<AppLayout />, { currentUser: userFixture({ auth_source: "oidc" }) });

    await user.click(screen.getByRole("button", { name: /^Account:/ }));
    const menu = await screen.findByRole("menu");
    expect(within(menu).getByRole("menuitem", { name: "API tokens" })).toBeInTheDocument();
    expect(within(menu).queryByRole("menuitem", { name: "Change password" })).not.toBeInTheDocument();
  });
});
