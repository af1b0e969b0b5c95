import { screen } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { LoginPage } from "@/features/auth/components/login-page";
import { queryKeys } from "@/lib/query-keys";
import { user as userFixture } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function serveProviders(oidc: { enabled: boolean; name: string | null } = { enabled: false, name: null }) {
  server.use(http.get(apiPath("/auth/providers"), () => HttpResponse.json({ password: true, oidc })));
}

function renderLogin(url = "/login") {
  return renderWithApp(<LoginPage />, {
    path: "/login",
    url,
    currentUser: null,
    routes: [
      { path: "/", element: <p>dashboard</p> },
      { path: "/runs/:runId", element: <p>run page</p> },
    ],
  });
}

describe("LoginPage", () => {
  it("logs in with email and password and goes back to the page in ?next=", async () => {
    serveProviders();
    const me = userFixture({ role: "operator" });
    const sent: unknown[] = [];
    server.use(
      http.post(apiPath("/auth/login"), async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ user: me, csrf_token: "c", access_expires_at: "2026-11-30T09:00:00Z" });
      }),
    );
    const { user, router, queryClient } = renderLogin("/login?next=%2Fruns%2F7");

    expect(screen.getByText(/log in to go back to the page you were on/)).toBeInTheDocument();
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "correct horse");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByText("run page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/runs/7");
    expect(sent).toEqual([{ email: "ada@example.com", password: "correct horse" }]);
    expect(queryClient.getQueryData(queryKeys.auth.me())).toEqual(me);
  });

  it("never follows a ?next= that leaves the app", async () => {
    serveProviders();
    server.use(
      http.post(apiPath("/auth/login"), () =>
        HttpResponse.json({ user: userFixture(), csrf_token: "c", access_expires_at: "2026-11-30T09:00:00Z" }),
      ),
    );
    const { user, router } = renderLogin("/login?next=%2F%2Fevil.example%2F");

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByText("dashboard")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/");
  });

  it("says the email or password is wrong, and how long to wait after too many attempts", async () => {
    serveProviders();
    let attempts = 0;
    server.use(
      http.post(apiPath("/auth/login"), () => {
        attempts += 1;
        return attempts === 1
          ? HttpResponse.json({ error: "InvalidCredentials", message: "Wrong email or password" }, { status: 401 })
          : HttpResponse.json(
              { error: "TooManyLoginAttempts", message: "Too many", details: { retry_after_seconds: 600 } },
              { status: 429, headers: { "Retry-After": "600" } },
            );
      }),
    );
    const { user } = renderLogin();

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByTestId("login-error")).toHaveTextContent("Wrong email or password.");

    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("Too many failed attempts. Try again in 10 minutes.")).toBeInTheDocument();
  });

  it("asks for both fields before sending anything", async () => {
    serveProviders();
    const { user } = renderLogin();

    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByText("Enter your email address.")).toBeInTheDocument();
    expect(screen.getByText("Enter your password.")).toBeInTheDocument();
  });

  it("offers single sign-on when the portal has it, keeping the page to return to", async () => {
    serveProviders({ enabled: true, name: "Okta" });
    renderLogin("/login?next=%2Fjobs%2F3");

    const sso = await screen.findByRole("link", { name: "Log in with Okta" });
    expect(sso).toHaveAttribute("href", "/api/v1/auth/oidc/login?next=%2Fjobs%2F3");
  });

  it("shows no SSO button without it, and explains a single sign-on refusal in words", async () => {
    serveProviders();
    renderLogin("/login?error=oidc_no_role");

    expect(await screen.findByTestId("login-error")).toHaveTextContent("Your account has no role for this portal.");
    expect(screen.queryByRole("link", { name: /Log in with/ })).not.toBeInTheDocument();
  });

  it("still says something readable for a code it does not know", async () => {
    serveProviders();
    renderLogin("/login?error=weird_new_thing");

    expect(await screen.findByTestId("login-error")).toHaveTextContent("Single sign-on failed (weird new thing)");
  });
});
