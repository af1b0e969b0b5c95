import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { TokensPage } from "@/features/api-tokens/components/tokens-page";
import { apiToken } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { TokenRead } from "@/types/api";

function serveTokens(initial: TokenRead[]) {
  let tokens = [...initial];
  server.use(http.get(apiPath("/tokens"), () => HttpResponse.json(tokens)));
  return (next: TokenRead[]) => {
    tokens = next;
  };
}

describe("TokensPage", () => {
  it("lists tokens by prefix with their use and state, never the secret", async () => {
    serveTokens([
      apiToken({ id: 1, name: "nightly export", last_used_at: "2026-11-29T02:00:00Z" }),
      apiToken({ id: 2, name: "old script", prefix: "etlp_ZyXwVuT", revoked_at: "2026-11-20T00:00:00Z" }),
      apiToken({ id: 3, name: "trial", prefix: "etlp_Expired", expires_at: "2026-01-01T00:00:00Z" }),
    ]);
    renderWithApp(<TokensPage />, { path: "/tokens" });

    const active = (await screen.findByText("nightly export")).closest("tr")!;
    expect(within(active).getByText("etlp_AbCdEfG…")).toBeInTheDocument();
    expect(within(active).getByText("Active")).toBeInTheDocument();
    expect(within(active).getByRole("button", { name: "Revoke nightly export" })).toBeInTheDocument();
    const revoked = screen.getByText("old script").closest("tr")!;
    expect(within(revoked).getByText("Revoked")).toBeInTheDocument();
    expect(within(revoked).queryByRole("button", { name: /Revoke/ })).not.toBeInTheDocument();
    expect(within(screen.getByText("trial").closest("tr")!).getByText("Expired")).toBeInTheDocument();
  });

  it("creates a token, shows it once with a copy button, and forgets it when closed", async () => {
    const setTokens = serveTokens([]);
    const sent: unknown[] = [];
    const secret = "etlp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    server.use(
      http.post(apiPath("/tokens"), async ({ request }) => {
        sent.push(await request.json());
        const created = apiToken({ id: 7, name: "ci deploy", expires_at: "2027-02-28T00:00:00Z" });
        setTokens([created]);
        return HttpResponse.json({ ...created, token: secret }, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<TokensPage />, { path: "/tokens" });
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();

    await user.click(await screen.findByRole("button", { name: "New token" }));
    const dialog = await screen.findByRole("dialog", { name: "New API token" });
    await user.type(within(dialog).getByLabelText("Name"), "ci deploy");
    await user.click(within(dialog).getByRole("button", { name: "Create token" }));

    const shown = await screen.findByRole("dialog", { name: "Your new token" });
    expect(within(shown).getByTestId("new-token-value")).toHaveValue(secret);
    expect(within(shown).getByText(/it is not shown again/)).toBeInTheDocument();
    await user.click(within(shown).getByRole("button", { name: "Copy the token" }));
    expect(writeText).toHaveBeenCalledWith(secret);
    expect(await within(shown).findByText("Copied")).toBeInTheDocument();
    expect(sent).toEqual([{ name: "ci deploy", expires_in_days: 90 }]);

    await user.click(within(shown).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(await screen.findByText("ci deploy")).toBeInTheDocument();
    expect(screen.queryByText(secret)).not.toBeInTheDocument();
    // Opening the dialog again starts from the form, not the old secret.
    await user.click(screen.getByRole("button", { name: "New token" }));
    expect(await screen.findByRole("dialog", { name: "New API token" })).toBeInTheDocument();
    expect(screen.queryByDisplayValue(secret)).not.toBeInTheDocument();
  });

  it("creates a token that never expires", async () => {
    serveTokens([]);
    const sent: unknown[] = [];
    server.use(
      http.post(apiPath("/tokens"), async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ ...apiToken(), token: "etlp_x" }, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<TokensPage />, { path: "/tokens" });

    await user.click(await screen.findByRole("button", { name: "New token" }));
    const dialog = await screen.findByRole("dialog", { name: "New API token" });
    await user.type(within(dialog).getByLabelText("Name"), "forever");
    await user.click(within(dialog).getByRole("combobox", { name: "Expires" }));
    await user.click(await screen.findByRole("option", { name: "Never" }));
    await user.click(within(dialog).getByRole("button", { name: "Create token" }));

    expect(await screen.findByRole("dialog", { name: "Your new token" })).toBeInTheDocument();
    expect(sent).toEqual([{ name: "forever", expires_in_days: null }]);
  });

  it("revokes a token after confirmation", async () => {
    const setTokens = serveTokens([apiToken()]);
    let revoked = 0;
    server.use(
      http.delete(apiPath("/tokens/1"), () => {
        revoked += 1;
        setTokens([apiToken({ revoked_at: "2026-11-30T08:00:00Z" })]);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<TokensPage />, { path: "/tokens" });

    await user.click(await screen.findByRole("button", { name: "Revoke nightly export" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Revoke" }));

    expect(await screen.findByText("Revoked")).toBeInTheDocument();
    expect(revoked).toBe(1);
  });
});
