import { zodResolver } from "@hookform/resolvers/zod";
import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { FormProvider, useForm } from "react-hook-form";
import { z } from "zod";

import { S3Options } from "@/features/job-wizard/components/s3-options";
import { destinationOptionsSchema } from "@/features/job-wizard/utils/destination-options";
import type { WizardValues } from "@/features/job-wizard/utils/wizard-schema";
import { credential } from "@/testing/fixtures";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";

const lake = credential({ id: 3, name: "Lake", kind: "s3", options: { bucket: "exports" }, is_builtin: false, browsable: false });
const warehouse = credential({ id: 1 });

/** S3Options inside a form of its own fields, validated as the wizard's schema validates them. */
function Harness({ credentialId, onSubmit }: { credentialId: number; onSubmit: (values: unknown) => void }) {
  const form = useForm<WizardValues>({
    resolver: zodResolver(z.object({ destination_options: destinationOptionsSchema.nullable() }).loose()) as never,
    defaultValues: {
      credential_id: credentialId,
      destination_options: null,
      mappings: [{ include: true, target_column: "sold_on" } as never],
    },
  });
  return (
    <FormProvider {...form}>
      <form onSubmit={form.handleSubmit((values) => onSubmit(values.destination_options))}>
        <S3Options />
        <button type="submit">Submit</button>
      </form>
    </FormProvider>
  );
}

beforeEach(() => {
  server.use(http.get(apiPath("/credentials"), () => HttpResponse.json({ items: [warehouse, lake], total: 2 })));
});

describe("S3Options", () => {
  it("is not there for a database destination, whose options stay null", async () => {
    const submitted: unknown[] = [];
    const { user } = renderWithApp(<Harness credentialId={1} onSubmit={(v) => submitted.push(v)} />);

    await user.click(await screen.findByRole("button", { name: "Submit" }));

    await waitFor(() => expect(submitted).toEqual([null]));
    expect(screen.queryByTestId("s3-options")).not.toBeInTheDocument();
  });

  it("gives an S3 job Parquet by default and sends CSV, gzip, a template and a partition as chosen", async () => {
    const submitted: unknown[] = [];
    const { user } = renderWithApp(<Harness credentialId={3} onSubmit={(v) => submitted.push(v)} />);

    const section = await screen.findByTestId("s3-options");
    expect(within(section).getByLabelText("Folder")).toHaveValue("{{schema}}/{{table}}/");
    await user.click(within(section).getByRole("combobox", { name: "Format" }));
    await user.click(await screen.findByRole("option", { name: "CSV" }));
    await user.type(within(section).getByLabelText("Folder"), "x");
    await user.click(within(section).getByRole("combobox", { name: "Compression" }));
    const compressions = within(await screen.findByRole("listbox")).getAllByRole("option").map((o) => o.textContent);
    expect(compressions).toEqual(["Usual (none)", "none", "gzip", "zstd"]);
    await user.click(await screen.findByRole("option", { name: "gzip" }));
    await user.clear(within(section).getByLabelText("Delimiter"));
    await user.type(within(section).getByLabelText("Delimiter"), ";");
    await user.clear(within(section).getByLabelText("Folder"));
    await user.type(within(section).getByLabelText("Folder"), "exports/{{{{job}}/{{{{run_date}}/");
    await user.click(within(section).getByRole("button", { name: "Add a partition" }));
    await user.type(within(section).getByLabelText("Partition column 1"), "sold_on");
    await user.click(screen.getByRole("button", { name: "Submit" }));

    await waitFor(() =>
      expect(submitted).toEqual([
        {
          format: "csv",
          compression: "gzip",
          prefix: "exports/{{job}}/{{run_date}}/",
          partition_by: [{ column: "sold_on", part: null }],
          max_file_mb: 256,
          csv_delimiter: ";",
          csv_header: true,
        },
      ]),
    );
  });

  it("explains a folder template the API would refuse", async () => {
    const submitted: unknown[] = [];
    const { user } = renderWithApp(<Harness credentialId={3} onSubmit={(v) => submitted.push(v)} />);

    const section = await screen.findByTestId("s3-options");
    await user.clear(within(section).getByLabelText("Folder"));
    await user.type(within(section).getByLabelText("Folder"), "{{{{owner}}/x");
    await user.click(screen.getByRole("button", { name: "Submit" }));

    expect(await within(section).findByText(/Unknown variable \{\{owner\}\}/)).toBeInTheDocument();
    expect(submitted).toEqual([]);
  });
});
