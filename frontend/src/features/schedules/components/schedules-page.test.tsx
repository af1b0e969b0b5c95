import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { SchedulesPage } from "@/features/schedules/components/schedules-page";
import { job, jobRun, viewer } from "@/testing/fixtures";
import { schedule } from "@/testing/monitoring-fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { ScheduleRead } from "@/types/api";

const jobs = [job({ id: 7, name: "Load sales" }), job({ id: 8, name: "Load stock" })];

/** A stateful schedules API: what the page creates, toggles and deletes is what it lists next. */
function serveSchedules(initial: ScheduleRead[]) {
  let items = [...initial];
  const requests: { method: string; path: string; body?: unknown }[] = [];
  server.use(
    http.get(apiPath("/jobs"), () => HttpResponse.json({ items: jobs, total: jobs.length })),
    http.get(apiPath("/schedules"), ({ request }) => {
      const jobId = new URL(request.url).searchParams.get("job_id");
      const listed = jobId ? items.filter((s) => s.job_id === Number(jobId)) : items;
      return HttpResponse.json({ items: listed, total: listed.length });
    }),
    http.post(apiPath("/schedules"), async ({ request }) => {
      const body = (await request.json()) as { cron_expression: string; timezone: string; enabled: boolean };
      const jobId = Number(new URL(request.url).searchParams.get("job_id"));
      requests.push({ method: "POST", path: `/schedules?job_id=${jobId}`, body });
      if (body.cron_expression.split(" ").length !== 5) {
        return HttpResponse.json(
          { error: "ValidationFailedError", message: `Invalid cron expression '${body.cron_expression}': expected 5 fields` },
          { status: 422 },
        );
      }
      const created = schedule({ id: 10 + items.length, job_id: jobId, ...body, description: `Runs at ${body.cron_expression}` });
      items = [...items, created];
      return HttpResponse.json(created, { status: 201 });
    }),
    http.post(apiPath("/schedules/:id/:action"), ({ params }) => {
      const id = Number(params.id);
      requests.push({ method: "POST", path: `/schedules/${id}/${String(params.action)}` });
      items = items.map((s) => (s.id === id ? { ...s, enabled: params.action === "enable" } : s));
      return HttpResponse.json(items.find((s) => s.id === id));
    }),
    http.put(apiPath("/schedules/:id"), async ({ params, request }) => {
      const id = Number(params.id);
      const body = (await request.json()) as Partial<ScheduleRead>;
      requests.push({ method: "PUT", path: `/schedules/${id}`, body });
      items = items.map((s) => (s.id === id ? { ...s, ...body } : s));
      return HttpResponse.json(items.find((s) => s.id === id));
    }),
    http.delete(apiPath("/schedules/:id"), ({ params }) => {
      items = items.filter((s) => s.id !== Number(params.id));
      requests.push({ method: "DELETE", path: `/schedules/${String(params.id)}` });
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return requests;
}

/** The table row of a schedule, once the list has settled (a first render may be replaced). */
async function scheduleRow(description: string): Promise<HTMLElement> {
  return waitFor(() => {
    const row = screen.getByText(description).closest("tr");
    expect(row).not.toBeNull();
    return row!;
  });
}

describe("SchedulesPage", () => {
  it("shows each schedule's description, next runs and last run from the API", async () => {
    serveSchedules([
      schedule({
        id: 3,
        job_id: 7,
        last_run: jobRun({ id: 42, status: "COMPLETED", created_at: "2026-11-23T09:00:00Z" }),
      }),
    ]);
    renderWithApp(<SchedulesPage />, { path: "/schedules" });

    const row = await scheduleRow("At 09:00, only on Monday");
    expect(await within(row).findByRole("link", { name: "Load sales" })).toHaveAttribute("href", "/jobs/7");
    expect(within(row).getByText("0 9 * * 1")).toBeInTheDocument();
    expect(within(row).getByText("1 more")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: /#42/ })).toHaveAttribute("href", "/runs/42");
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).getByRole("switch")).toBeChecked();
  });

  it("shows next runs on the schedule's own clock and zone, not the browser's", async () => {
    serveSchedules([
      schedule({
        id: 4,
        timezone: "Europe/Paris",
        description: "At 09:00",
        cron_expression: "0 9 * * *",
        next_runs: ["2026-11-30T09:00:00+01:00", "2026-12-01T09:00:00+01:00"],
      }),
    ]);
    renderWithApp(<SchedulesPage />, { path: "/schedules" });

    const row = (await screen.findByText("At 09:00")).closest("tr")!;
    const next = row.querySelector("time")!;
    expect(next).toHaveTextContent("Mon, 30 Nov 2026, 09:00 CET");
    expect(next).toHaveAttribute("dateTime", "2026-11-30T09:00:00+01:00");
    expect(row).toHaveTextContent("Europe/Paris");
    expect(row).toHaveTextContent("Tue, 1 Dec 2026, 09:00 CET");
  });

  it("creates a schedule from a preset for the job it was opened from", async () => {
    const requests = serveSchedules([]);
    const { user, router } = renderWithApp(<SchedulesPage />, { path: "/schedules", url: "/schedules?job_id=8&new=1" });

    const dialog = await screen.findByRole("dialog", { name: "New schedule" });
    expect(await within(dialog).findByRole("combobox", { name: "Job" })).toHaveTextContent("Load stock");
    await user.click(within(dialog).getByRole("combobox", { name: "When" }));
    await user.click(await screen.findByRole("option", { name: /Every 5 minutes/ }));
    await user.click(within(dialog).getByRole("button", { name: "Create schedule" }));

    expect(await screen.findByText("Runs at */5 * * * *")).toBeInTheDocument();
    expect(requests).toEqual([
      { method: "POST", path: "/schedules?job_id=8", body: { cron_expression: "*/5 * * * *", timezone: "UTC", disable_after_failures: 3, enabled: true } },
    ]);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(router.state.location.search).toBe("?job_id=8");
  });

  it("takes a custom cron expression and shows the API's reason when it is wrong", async () => {
    const requests = serveSchedules([]);
    const { user } = renderWithApp(<SchedulesPage />, { path: "/schedules" });

    await user.click(await screen.findByRole("button", { name: "New schedule" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("combobox", { name: "Job" }));
    await user.click(await screen.findByRole("option", { name: "Load sales" }));
    await user.click(within(dialog).getByRole("combobox", { name: "When" }));
    await user.click(await screen.findByRole("option", { name: "Custom cron expression…" }));

    await user.click(within(dialog).getByRole("button", { name: "Create schedule" }));
    expect(await within(dialog).findByText("Write a cron expression, e.g. 30 6 * * 1-5")).toBeInTheDocument();
    expect(requests).toHaveLength(0);

    await user.type(within(dialog).getByLabelText("Cron expression"), "30 6 * *");
    await user.click(within(dialog).getByRole("button", { name: "Create schedule" }));
    expect(await within(dialog).findByText("Invalid cron expression '30 6 * *': expected 5 fields")).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText("Timezone"));
    await user.type(within(dialog).getByLabelText("Timezone"), "Europe/Berlin");
    await user.type(within(dialog).getByLabelText("Cron expression"), " 1-5");
    await user.click(within(dialog).getByRole("button", { name: "Create schedule" }));
    expect(await screen.findByText("Runs at 30 6 * * 1-5")).toBeInTheDocument();
    expect(requests.at(-1)?.body).toEqual({
      cron_expression: "30 6 * * 1-5",
      timezone: "Europe/Berlin",
      disable_after_failures: 3,
      enabled: true,
    });
  });

  it("disables and re-enables a schedule with its switch", async () => {
    const requests = serveSchedules([schedule({ id: 3, job_id: 7 })]);
    const { user } = renderWithApp(<SchedulesPage />, { path: "/schedules" });

    const toggle = await screen.findByRole("switch", { name: "Enabled: Load sales, At 09:00, only on Monday" });
    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    expect(await screen.findByText("Paused")).toBeInTheDocument();
    expect(await screen.findByText("Schedule disabled")).toBeInTheDocument();

    await user.click(toggle);
    await waitFor(() => expect(toggle).toBeChecked());
    expect(requests.map((r) => r.path)).toEqual(["/schedules/3/disable", "/schedules/3/enable"]);
  });

  it("edits a schedule's timing, starting from its current preset", async () => {
    const requests = serveSchedules([schedule({ id: 3, job_id: 7, cron_expression: "0 * * * *", description: "Every hour" })]);
    const { user } = renderWithApp(<SchedulesPage />, { path: "/schedules" });

    await user.click(await screen.findByRole("button", { name: "Edit schedule of Load sales: Every hour" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit schedule" });
    expect(within(dialog).getByRole("combobox", { name: "When" })).toHaveTextContent("Every hour");
    expect(within(dialog).getByRole("combobox", { name: "Job" })).toBeDisabled();
    await user.click(within(dialog).getByRole("combobox", { name: "When" }));
    await user.click(await screen.findByRole("option", { name: /Every Monday at 9:00/ }));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() =>
      expect(requests).toEqual([
        { method: "PUT", path: "/schedules/3", body: { cron_expression: "0 9 * * 1", timezone: "UTC", disable_after_failures: 3 } },
      ]),
    );
  });

  it("sets how many failed runs in a row disable a schedule, empty for never", async () => {
    const requests = serveSchedules([schedule({ id: 3, job_id: 7, disable_after_failures: 5 })]);
    const { user } = renderWithApp(<SchedulesPage />, { path: "/schedules" });

    await user.click(await screen.findByRole("button", { name: "Edit schedule of Load sales: At 09:00, only on Monday" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit schedule" });
    const field = within(dialog).getByLabelText("Disable after failed runs in a row");
    expect(field).toHaveValue("5");
    await user.clear(field);
    await user.type(field, "0");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("A number from 1 to 100, or empty for never")).toBeInTheDocument();
    expect(requests).toEqual([]);

    await user.clear(field);
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(requests).toEqual([
        { method: "PUT", path: "/schedules/3", body: { cron_expression: "0 9 * * 1", timezone: "UTC", disable_after_failures: null } },
      ]),
    );
  });

  it("shows why the portal paused a schedule", async () => {
    serveSchedules([
      schedule({ id: 3, job_id: 7, enabled: false, disabled_reason: "Disabled after 3 failed runs in a row (the last: run 41)" }),
    ]);
    renderWithApp(<SchedulesPage />, { path: "/schedules" });

    const row = await scheduleRow("At 09:00, only on Monday");
    expect(within(row).getByText("Paused")).toBeInTheDocument();
    expect(within(row).getByText("Disabled after 3 failed runs in a row (the last: run 41)")).toBeInTheDocument();
  });

  it("deletes a schedule after confirmation", async () => {
    const requests = serveSchedules([schedule({ id: 3, job_id: 7 })]);
    const { user } = renderWithApp(<SchedulesPage />, { path: "/schedules" });

    await user.click(await screen.findByRole("button", { name: "Delete schedule of Load sales: At 09:00, only on Monday" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Delete" }));

    expect(await screen.findByText("No schedules yet")).toBeInTheDocument();
    expect(requests).toEqual([{ method: "DELETE", path: "/schedules/3" }]);
  });
});

describe("SchedulesPage for a viewer", () => {
  it("shows the schedules with their switch greyed out and no way to create, edit or delete", async () => {
    const requests = serveSchedules([schedule({ id: 3, job_id: 7 })]);
    const { user } = renderWithApp(<SchedulesPage />, {
      path: "/schedules",
      url: "/schedules?job_id=7&new=1",
      currentUser: viewer(),
    });

    const row = await scheduleRow("At 09:00, only on Monday");
    const toggle = within(row).getByRole("switch");
    expect(toggle).toBeChecked();
    expect(toggle).toBeDisabled();
    await user.hover(toggle.closest("[data-needs-role]")!);
    expect(await screen.findByRole("tooltip")).toHaveTextContent("Needs the operator role.");
    // ?new=1 (a link from a job's page) opens no form for a role that could not save it.
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New schedule" })).not.toBeInTheDocument();
    expect(within(row).queryByRole("button", { name: /Edit|Delete/ })).not.toBeInTheDocument();
    expect(requests).toEqual([]);
  });
});
