import { describeLoad } from "@/features/job-wizard/utils/describe-load";
import { tableNameFromFilename } from "@/features/job-wizard/utils/wizard-schema";
import type { JobCreate } from "@/types/api";

const base: JobCreate = {
  name: "Load sales",
  source_type: "upload",
  file_id: "f1",
  drift_policy: "fail",
  max_parallel_tables: 4,
  credential_id: 1,
  target_schema: "public",
  target_table: "sales",
  create_table: false,
  strategy: "INSERT",
  upsert_keys: [],
  batch_size: 100000,
  reject_threshold_count: null,
  reject_threshold_percent: null,
  max_retries: 0,
  retry_delay_seconds: 60,
  max_rows_per_second: null,
  allow_concurrent_runs: false,
  mappings: [
    { source_column: "id", target_column: "id", target_type: "INTEGER", include: true, transforms: [], expression: null },
    { source_column: "x", target_column: "x", target_type: "TEXT", include: false, transforms: [], expression: null },
  ],
};

describe("describeLoad", () => {
  it("says a new table is created and how many columns it gets", () => {
    const [first, second] = describeLoad({ ...base, create_table: true }, 1200);
    expect(first).toBe("A new table public.sales will be created with 1 column.");
    expect(second).toBe("About 1,200 rows will be inserted into it.");
  });

  it("says an append keeps existing rows", () => {
    expect(describeLoad(base, 10)[0]).toBe(
      "About 10 rows will be appended to public.sales. Rows already in the table are kept, and duplicates are not checked.",
    );
  });

  it("names the upsert keys", () => {
    expect(describeLoad({ ...base, strategy: "UPSERT", upsert_keys: ["id", "region"] }, 10)[0]).toMatch(
      /^Rows whose “id” and “region” match a row already in public.sales will update it/,
    );
  });

  it("warns that truncate-insert deletes every existing row", () => {
    expect(describeLoad({ ...base, strategy: "TRUNCATE_INSERT" }, null)[0]).toBe(
      "Every row now in public.sales will be deleted and replaced by the rows of this file.",
    );
  });

  it("states the reject threshold", () => {
    expect(describeLoad({ ...base, reject_threshold_percent: 2.5 }, 10).at(-2)).toMatch(/more than 2.5% of rows are rejected/);
    expect(describeLoad({ ...base, reject_threshold_count: 1000 }, 10).at(-2)).toMatch(/more than 1,000 are rejected/);
    expect(describeLoad(base, 10).at(-2)).toMatch(/single row .* fails the run, and nothing is loaded/);
  });
});

describe("tableNameFromFilename", () => {
  it("turns a file name into a valid table name", () => {
    expect(tableNameFromFilename("Sales Q1 (final).csv")).toBe("sales_q1_final");
    expect(tableNameFromFilename("2024-orders.csv.gz")).toBe("t_2024_orders");
    expect(tableNameFromFilename("###.tsv")).toBe("imported_data");
  });

  it("says how a rows-per-second cap paces the load and what it means for this file", () => {
    expect(describeLoad({ ...base, max_rows_per_second: 1000 }, 90_000)).toContain(
      "The load reads at most 1,000 rows per second, so this file takes at least 1m 30s.",
    );
    expect(describeLoad(base, 10).some((sentence) => sentence.includes("per second"))).toBe(false);
  });

  it("says whether runs may overlap, and what an overlapping run does with the strategy", () => {
    expect(describeLoad(base, 10).at(-1)).toBe(
      "One run at a time: executing the job while a run is going shows that run instead of starting another.",
    );
    expect(describeLoad({ ...base, allow_concurrent_runs: true }, 10).at(-1)).toBe(
      "Runs may overlap: each run appends the file's rows again, so the table gets them once per run.",
    );
    expect(
      describeLoad({ ...base, allow_concurrent_runs: true, strategy: "UPSERT", upsert_keys: ["id"] }, 10).at(-1),
    ).toBe("Runs may overlap: each run merges the same rows on the keys, so the table holds each row once.");
  });

  it("says which arriving files each run reads and what a run without any does", () => {
    const sentences = describeLoad(
      { ...base, source_type: "files", source_pattern: "exports/*.csv", source_options: { mode: "latest", on_empty: "fail" } },
      null,
    );
    expect(sentences[0]).toBe(
      "Each run reads only the newest file matching exports/*.csv in the drop directory, shaped like this sample; a run that finds none fails.",
    );
    expect(describeLoad(base, null).join(" ")).not.toContain("drop directory");
  });
});
