import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { ChannelsPage } from "@/features/notifications/components/channels-page";
import type { ChannelRead, DeliveryRead } from "@/features/notifications/types";
import { user as admin, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

function channel(overrides: Partial<ChannelRead> = {}): ChannelRead {
  return {
    id: 1,
    name: "ops hook",
    kind: "webhook",
    config: { kind: "webhook", url: "https://hooks.example.com/portal" },
    has_secret: true,
    enabled: true,
    all_jobs_events: [],
    created_at: "2026-11-30T05:00:00Z",
    updated_at: "2026-11-30T05:00:00Z",
    ...overrides,
  };
}

function delivery(overrides: Partial<DeliveryRead> = {}): DeliveryRead {
  return {
    id: 7,
    channel_id: 1,
    event: "run_failed",
    job_id: 3,
    job_run_id: 42,
    payload: {},
    status: "pending",
    attempts: 2,
    last_response_code: 503,
    last_error: "HTTP 503: busy",
    next_attempt_at: "2026-11-30T06:00:00Z",
    created_at: "2026-11-30T05:10:00Z",
    last_attempt_at: "2026-11-30T05:11:00Z",
    sent_at: null,
    ...overrides,
  };
}

function serveChannels(initial: ChannelRead[]) {
  let channels = [...initial];
  server.use(http.get(apiPath("/notification-channels"), () => HttpResponse.json({ items: channels, total: channels.length })));
  return { add: (c: ChannelRead) => (channels = [...channels, c]) };
}

describe("ChannelsPage", () => {
  it("creates a signed webhook channel, sending the secret once and never showing it", async () => {
    const list = serveChannels([]);
    const sent: Record<string, unknown>[] = [];
    server.use(
      http.post(apiPath("/notification-channels"), async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        sent.push(body);
        if (body.name === "taken") {
          return HttpResponse.json({ error: "ChannelNameTaken", message: "taken" }, { status: 409 });
        }
        const created = channel({ id: 2, name: String(body.name), all_jobs_events: ["run_failed"] });
        list.add(created);
        return HttpResponse.json(created, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<ChannelsPage />, { path: "/notifications", currentUser: admin() });

    await user.click(await screen.findByRole("button", { name: "New channel" }));
    const dialog = await screen.findByRole("dialog", { name: "New channel" });
    await user.type(within(dialog).getByLabelText("Name"), "taken");
    await user.type(within(dialog).getByLabelText("URL"), "https://hooks.example.com/portal");
    await user.type(within(dialog).getByLabelText("Signing secret"), "short");
    await user.click(within(dialog).getByRole("button", { name: "Create channel" }));
    expect(await within(dialog).findByText("At least 16 characters.")).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.type(within(dialog).getByLabelText("Signing secret"), "-but-now-long-enough");
    await user.click(within(dialog).getByRole("checkbox", { name: "Run failed (every job)" }));
    await user.click(within(dialog).getByRole("button", { name: "Create channel" }));
    expect(await within(dialog).findByText("A channel with this name already exists.")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "ops hook");
    await user.click(within(dialog).getByRole("button", { name: "Create channel" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const row = await screen.findByTestId("channel-row-ops hook");
    expect(within(row).getByText("https://hooks.example.com/portal")).toBeInTheDocument();
    expect(within(row).getByText("Run failed")).toBeInTheDocument();
    expect(sent[1]).toEqual({
      name: "ops hook",
      config: { kind: "webhook", url: "https://hooks.example.com/portal" },
      enabled: true,
      all_jobs_events: ["run_failed"],
      secret: "short-but-now-long-enough",
    });
    expect(document.body).not.toHaveTextContent("short-but-now-long-enough");
  });

  it("sends a test and shows why it failed; the delivery log shows attempts, code and next try", async () => {
    serveChannels([channel()]);
    server.use(
      http.post(apiPath("/notification-channels/1/test"), () =>
        HttpResponse.json(
          delivery({ id: 8, event: "test", status: "failed", attempts: 1, last_response_code: 500, last_error: "HTTP 500: nope" }),
        ),
      ),
      http.get(apiPath("/notification-channels/1/deliveries"), () =>
        HttpResponse.json({ items: [delivery(), delivery({ id: 6, status: "sent", attempts: 1, last_response_code: 200, last_error: null })], total: 2 }),
      ),
    );
    const { user } = renderWithApp(<ChannelsPage />, { path: "/notifications", currentUser: admin() });

    await user.click(await screen.findByRole("button", { name: "Send a test to ops hook" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Test to ops hook failed (response 500): HTTP 500: nope");

    await user.click(screen.getByRole("button", { name: "Deliveries of ops hook" }));
    const log = await screen.findByRole("region", { name: "Deliveries of ops hook" });
    const retrying = await within(log).findByTestId("delivery-row-7");
    expect(within(retrying).getByText("pending")).toBeInTheDocument();
    expect(within(retrying).getByText("503")).toBeInTheDocument();
    expect(within(retrying).getByText(/Next try .* · HTTP 503: busy/)).toBeInTheDocument();
    expect(within(within(log).getByTestId("delivery-row-6")).getByText("sent")).toBeInTheDocument();
  });

  it("shows a Slack channel without its URL and edits it keeping the stored secret", async () => {
    serveChannels([channel({ id: 3, name: "team", kind: "slack", config: { kind: "slack" } })]);
    const puts: unknown[] = [];
    server.use(
      http.put(apiPath("/notification-channels/3"), async ({ request }) => {
        puts.push(await request.json());
        return HttpResponse.json(channel({ id: 3, name: "team", kind: "slack", config: { kind: "slack" }, enabled: false }));
      }),
    );
    const { user } = renderWithApp(<ChannelsPage />, { path: "/notifications", currentUser: admin() });

    const row = await screen.findByTestId("channel-row-team");
    expect(within(row).getByText("Incoming webhook URL set")).toBeInTheDocument();
    await user.click(within(row).getByRole("button", { name: "Edit team" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit team" });
    expect(within(dialog).getByLabelText("Incoming webhook URL")).toHaveValue("");
    await user.click(within(dialog).getByRole("switch", { name: "Enabled" }));
    await user.click(within(dialog).getByRole("button", { name: "Save channel" }));

    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toEqual({ name: "team", config: { kind: "slack" }, enabled: false, all_jobs_events: [] });
  });

  it("lets a viewer read channels and their deliveries, without admin actions", async () => {
    serveChannels([channel()]);
    server.use(http.get(apiPath("/notification-channels/1/deliveries"), () => HttpResponse.json({ items: [], total: 0 })));
    const { user } = renderWithApp(<ChannelsPage />, { path: "/notifications", currentUser: viewer() });

    await screen.findByTestId("channel-row-ops hook");
    expect(screen.queryByRole("button", { name: "New channel" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Send a test to ops hook" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit ops hook" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Deliveries of ops hook" }));
    expect(await screen.findByText("Nothing sent yet")).toBeInTheDocument();
  });
});
