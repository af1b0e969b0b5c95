import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { CredentialsPage } from "@/features/credentials/components/credentials-page";
import { credential } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { CredentialRead } from "@/types/api";

const lake = credential({
  id: 3,
  name: "Lake",
  kind: "s3",
  host: "minio.internal",
  port: 9000,
  username: "AKIAEXAMPLE",
  has_password: true,
  secret_names: ["session_token"],
  browsable: false,
  live_tested: false,
  options: { bucket: "exports", region: "eu-west-1", endpoint_url: "http://minio.internal:9000", path_style: true, path: "portal" },
  is_builtin: false,
});
const snow = credential({
  id: 4,
  name: "Snow",
  kind: "snowflake",
  database: "ANALYTICS",
  username: "LOADER",
  has_password: true,
  browsable: false,
  live_tested: false,
  options: { account: "myorg-acct", warehouse: "LOAD_WH", schema: "PUBLIC" },
  is_builtin: false,
});

function serveList(items: CredentialRead[]) {
  server.use(http.get(apiPath("/credentials"), () => HttpResponse.json({ items, total: items.length })));
}

async function openNew(user: ReturnType<typeof renderWithApp>["user"], kind: string) {
  await user.click(await screen.findByRole("button", { name: "New connection" }));
  const dialog = await screen.findByRole("dialog", { name: "New connection" });
  await user.click(within(dialog).getByRole("combobox", { name: "Kind" }));
  await user.click(await screen.findByRole("option", { name: kind }));
  return dialog;
}

describe("S3 and Snowflake connections", () => {
  it("lists them by bucket and account, with no Browse link", async () => {
    serveList([lake, snow]);
    renderWithApp(<CredentialsPage />, { path: "/credentials" });

    expect(await screen.findByText("s3://exports/portal")).toBeInTheDocument();
    expect(screen.getByText("myorg-acct/ANALYTICS")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /Browse/ })).not.toBeInTheDocument();
  });

  it("creates an S3 connection with its secret key and session token sent once", async () => {
    serveList([]);
    const tested: unknown[] = [];
    const created: unknown[] = [];
    server.use(
      http.post(apiPath("/credentials/test"), async ({ request }) => {
        tested.push(await request.json());
        return HttpResponse.json({ ok: true, message: "connected", server_version: "S3 API", latency_ms: 8 });
      }),
      http.post(apiPath("/credentials"), async ({ request }) => {
        created.push(await request.json());
        return HttpResponse.json(lake, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    const dialog = await openNew(user, "Amazon S3 / S3-compatible");
    expect(within(dialog).queryByLabelText("Host")).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText("Name"), "Lake");
    await user.type(within(dialog).getByLabelText("Bucket"), "Bad_Bucket");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect(await within(dialog).findByText("A bucket name: 3-63 of a-z, 0-9, . and -")).toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText("Bucket"));
    await user.type(within(dialog).getByLabelText("Bucket"), "exports");
    await user.type(within(dialog).getByLabelText("Region"), "eu-west-1");
    await user.type(within(dialog).getByLabelText("Endpoint URL"), "http://minio.internal:9000");
    await user.click(within(dialog).getByLabelText("Path-style addressing"));
    await user.type(within(dialog).getByLabelText("Key prefix"), "portal");
    await user.type(within(dialog).getByLabelText("Access key ID"), "AKIAEXAMPLE");
    await user.type(within(dialog).getByLabelText("Secret access key"), "s3cret");
    await user.type(within(dialog).getByLabelText("Session token (optional)"), "tok");
    await user.click(within(dialog).getByRole("button", { name: "Test connection" }));
    expect(await within(dialog).findByText("Connected")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    const body = {
      kind: "s3",
      username: "AKIAEXAMPLE",
      password: "s3cret",
      options: { bucket: "exports", region: "eu-west-1", endpoint_url: "http://minio.internal:9000", path: "portal", path_style: true },
      secrets: { session_token: "tok" },
    };
    await waitFor(() => expect(created).toEqual([{ name: "Lake", ...body }]));
    expect(tested).toEqual([body]);
  });

  it("edits an S3 connection keeping stored secrets, or removes the session token when asked", async () => {
    serveList([lake]);
    const updates: Record<string, unknown>[] = [];
    server.use(
      http.put(apiPath("/credentials/3"), async ({ request }) => {
        updates.push((await request.json()) as Record<string, unknown>);
        return HttpResponse.json(lake);
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "Edit Lake" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Lake" });
    expect(within(dialog).getByLabelText("Bucket")).toHaveValue("exports");
    expect(within(dialog).getByLabelText("Session token (optional)")).toHaveAttribute("placeholder", "unchanged");
    await user.click(within(dialog).getByLabelText("Remove the stored session token"));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).not.toHaveProperty("password");
    expect(updates[0]).toMatchObject({ secrets: { session_token: null }, options: { bucket: "exports", path_style: true } });
  });

  it("switches a Snowflake connection from its password to a pasted key with a passphrase", async () => {
    serveList([snow]);
    const updates: Record<string, unknown>[] = [];
    server.use(
      http.put(apiPath("/credentials/4"), async ({ request }) => {
        updates.push((await request.json()) as Record<string, unknown>);
        return HttpResponse.json(snow);
      }),
    );
    const { user } = renderWithApp(<CredentialsPage />, { path: "/credentials" });

    await user.click(await screen.findByRole("button", { name: "Edit Snow" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Snow" });
    expect(within(dialog).getByLabelText("Account")).toHaveValue("myorg-acct");
    expect(within(dialog).getByLabelText("Password")).toHaveValue("");
    await user.click(within(dialog).getByLabelText("A pasted private key"));
    expect(within(dialog).queryByLabelText("Password")).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText("Private key (PEM)"), "-----BEGIN ENCRYPTED PRIVATE KEY-----");
    await user.type(within(dialog).getByLabelText("Key passphrase (optional)"), "pp");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toMatchObject({
      kind: "snowflake",
      database: "ANALYTICS",
      username: "LOADER",
      options: { account: "myorg-acct", warehouse: "LOAD_WH", schema: "PUBLIC" },
      secrets: { private_key: "-----BEGIN ENCRYPTED PRIVATE KEY-----", private_key_passphrase: "pp" },
    });
    expect(updates[0]).not.toHaveProperty("password");
  });
});
