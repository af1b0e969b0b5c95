import { render, screen } from "@testing-library/react";

import { RunProgressCard } from "@/features/job-runs/components/run-progress-card";
import { jobRun } from "@/testing/fixtures";

function figure(label: string): string | null {
  return screen.getByText(label).nextSibling?.textContent ?? null;
}

describe("RunProgressCard", () => {
  it("counts staged rows while the run is going, not as loaded", () => {
    render(
      <RunProgressCard
        run={jobRun({ status: "RUNNING", rows_read: 6000, rows_staged: 5990, rows_loaded: 0, rows_rejected: 10 })}
        streamState="live"
      />,
    );

    expect(figure("Rows staged")).toBe("5,990");
    expect(screen.queryByText("Rows loaded")).not.toBeInTheDocument();
    expect(figure("Rows rejected")).toBe("10");
  });

  it("shows a cancelled run's staged rows as rolled back, never as loaded", () => {
    render(
      <RunProgressCard
        run={jobRun({ status: "CANCELLED", rows_read: 682_400, rows_staged: 682_387, rows_loaded: 0 })}
        streamState="ended"
      />,
    );

    expect(figure("Rows loaded")).toBe("0");
    expect(screen.queryByText("Rows staged")).not.toBeInTheDocument();
    expect(screen.getByText(/682,387 rows were staged, then rolled back: nothing was loaded/)).toBeInTheDocument();
  });

  it("shows a completed run's committed rows as loaded", () => {
    render(
      <RunProgressCard
        run={jobRun({ status: "COMPLETED", rows_read: 120, rows_staged: 120, rows_loaded: 120, progress_percent: 100 })}
        streamState="ended"
      />,
    );

    expect(figure("Rows loaded")).toBe("120");
    expect(screen.queryByText(/rolled back/)).not.toBeInTheDocument();
  });
});
