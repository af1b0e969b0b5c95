import { screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { JobNotificationsPanel } from "@/features/notifications/components/job-notifications-panel";
import type { ChannelRead, JobNotifications } from "@/features/notifications/types";
import { operator, viewer } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const hook: ChannelRead = {
  id: 1,
  name: "ops hook",
  kind: "webhook",
  config: { kind: "webhook", url: "https://hooks.example.com/a" },
  has_secret: true,
  enabled: true,
  all_jobs_events: [],
  created_at: "2026-11-30T05:00:00Z",
  updated_at: "2026-11-30T05:00:00Z",
};
const mail: ChannelRead = {
  ...hook,
  id: 2,
  name: "oncall mail",
  kind: "email",
  config: { kind: "email", host: "smtp.example.com", port: 587, security: "starttls", username: null, from_address: "p@example.com", to_addresses: ["o@example.com"] },
  all_jobs_events: ["run_failed"],
};

function saved(subscriptions: JobNotifications["subscriptions"]): JobNotifications {
  return {
    job_id: 5,
    subscriptions,
    all_jobs: [{ channel_id: 2, channel_name: "oncall mail", channel_kind: "email", channel_enabled: true, events: ["run_failed"] }],
  };
}

function serve(initial: JobNotifications) {
  const puts: unknown[] = [];
  let current = initial;
  server.use(
    http.get(apiPath("/notification-channels"), () => HttpResponse.json({ items: [hook, mail], total: 2 })),
    http.get(apiPath("/jobs/5/notifications"), () => HttpResponse.json(current)),
    http.put(apiPath("/jobs/5/notifications"), async ({ request }) => {
      const body = (await request.json()) as { subscriptions: { channel_id: number; events: string[] }[] };
      puts.push(body);
      current = saved(
        body.subscriptions.map((s) => ({
          channel_id: s.channel_id,
          channel_name: s.channel_id === 1 ? "ops hook" : "oncall mail",
          channel_kind: s.channel_id === 1 ? "webhook" : "email",
          channel_enabled: true,
          events: s.events as JobNotifications["subscriptions"][number]["events"],
        })),
      );
      return HttpResponse.json(current);
    }),
  );
  return puts;
}

describe("JobNotificationsPanel", () => {
  it("shows the job's subscriptions and saves the channels and events an operator picks", async () => {
    const puts = serve(
      saved([{ channel_id: 1, channel_name: "ops hook", channel_kind: "webhook", channel_enabled: true, events: ["run_failed"] }]),
    );
    const { user } = renderWithApp(<JobNotificationsPanel jobId={5} />, { currentUser: operator() });

    expect(await screen.findByRole("checkbox", { name: "Run failed → ops hook" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Run succeeded → ops hook" })).not.toBeChecked();
    expect(screen.getByText(/Every job also tells: oncall mail \(Run failed\)/)).toBeInTheDocument();
    const saveButton = screen.getByRole("button", { name: "Save notifications" });
    expect(saveButton).toBeDisabled();

    await user.click(screen.getByRole("checkbox", { name: "Run failed → ops hook" }));
    await user.click(screen.getByRole("checkbox", { name: "Completed with rejects → oncall mail" }));
    await user.click(screen.getByRole("checkbox", { name: "Run succeeded → oncall mail" }));
    await user.click(saveButton);

    await waitFor(() => expect(puts).toHaveLength(1));
    // ops hook has no events left: unsubscribed; events go in the API's order.
    expect(puts[0]).toEqual({ subscriptions: [{ channel_id: 2, events: ["run_succeeded", "run_completed_with_rejects"] }] });
    expect(await screen.findByText("Notifications saved")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Save notifications" })).toBeDisabled());
    expect(screen.getByRole("checkbox", { name: "Run succeeded → oncall mail" })).toBeChecked();
  });

  it("is read-only for a viewer", async () => {
    serve(saved([]));
    renderWithApp(<JobNotificationsPanel jobId={5} />, { currentUser: viewer() });

    expect(await screen.findByRole("checkbox", { name: "Run failed → ops hook" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Save notifications" })).toBeDisabled();
  });
});
