// The import rules of eslint.config.js, run on source text placed in the real folders.
import { resolve } from "node:path";

import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: resolve(import.meta.dirname, "..") });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("feature boundaries", () => {
  it("refuses a feature importing another feature, by alias or relative path", async () => {
    const file = "src/features/job-wizard/components/example.tsx";
    const alias = await restrictedImports(file, 'import { ColumnMappingEditor } from "@/features/column-mapping/components/column-mapping-editor";\nexport const x = ColumnMappingEditor;\n');
    expect(alias).toEqual([expect.stringContaining("Features do not import each other")]);
    const relative = await restrictedImports(file, 'import { STRATEGY_LABEL } from "../../jobs/utils/strategy";\nexport const x = STRATEGY_LABEL;\n');
    expect(relative).toHaveLength(1);
    const fromRoot = await restrictedImports("src/features/job-wizard/example.ts", 'export { STRATEGY_LABEL } from "../jobs/utils/strategy";\n');
    expect(fromRoot).toHaveLength(1);
  });

  it("allows a feature its own files and shared code", async () => {
    const messages = await restrictedImports(
      "src/features/job-wizard/components/example.tsx",
      [
        'import { useCreateJob } from "@/lib/requests/create-job";',
        'import { LoadStep } from "../components/load-step";',
        'import { Button } from "@/components/ui/button";',
        'import { mappingProblems } from "@/lib/mapping-rows";',
        "export const x = [useCreateJob, LoadStep, Button, mappingProblems];",
        "",
      ].join("\n"),
    );
    expect(messages).toEqual([]);
  });

  it("lets only the app layer compose features", async () => {
    const code = 'import { JobsPage } from "@/features/jobs/components/jobs-page";\nexport const x = JobsPage;\n';
    expect(await restrictedImports("src/app/routes/example.tsx", code)).toEqual([]);
    expect(await restrictedImports("src/lib/example.ts", code)).toEqual([expect.stringContaining("Shared code does not import features")]);
    expect(await restrictedImports("src/components/example.tsx", code)).toHaveLength(1);
    const app = 'import { routes } from "@/app/router";\nexport const x = routes;\n';
    expect(await restrictedImports("src/features/jobs/components/example.tsx", app)).toEqual([
      expect.stringContaining("Only the app layer imports the app layer"),
    ]);
  });
});
