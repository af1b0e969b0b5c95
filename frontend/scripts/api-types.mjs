// The API's TypeScript types, generated from the backend's OpenAPI document.
//
//   node scripts/api-types.mjs generate   write src/types/api.generated.ts   (npm run api:generate)
//   node scripts/api-types.mjs check      fail when that file is stale        (npm run api:check)
//
// The document comes from the app itself (create_app().openapi()): no server, no database.
// PORTAL_PYTHON names another interpreter than the repository's .venv.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const frontend = resolve(import.meta.dirname, "..");
const backend = resolve(frontend, "../backend");
const GENERATED = join(frontend, "src/types/api.generated.ts");
const python = process.env.PORTAL_PYTHON ?? resolve(frontend, "../.venv/bin/python");

const DUMP = "import json; from portal.main import create_app; print(json.dumps(create_app().openapi()))";

function dumpSpec() {
  try {
    return JSON.parse(execFileSync(python, ["-c", DUMP], { cwd: backend, encoding: "utf8", maxBuffer: 64 << 20 }));
  } catch (error) {
    throw new Error(`Could not read the OpenAPI document from the backend with ${python}: ${error.message}`);
  }
}

async function render(spec) {
  // enumValues: each enum also becomes a runtime array (e.g. columnTypeValues), so the UI's lists
  // of choices come from the spec. defaultNonNullable off: a field with a default stays optional in
  // request bodies, as the API accepts it.
  const ast = await openapiTS(spec, { enumValues: true, defaultNonNullable: true, alphabetize: true, silent: true });
  return COMMENT_HEADER + "// Regenerate with `npm run api:generate` (scripts/api-types.mjs).\n\n" + astToString(ast);
}

async function main(mode) {
  const text = await render(dumpSpec());
  if (mode === "generate") {
    writeFileSync(GENERATED, text);
    console.log(`wrote ${relative(frontend, GENERATED)}`);
    return;
  }
  if (mode !== "check") throw new Error("usage: api-types.mjs generate|check");
  // Written to a temporary file too, so a failure leaves something to diff against.
  const dir = mkdtempSync(join(tmpdir(), "api-types-"));
  const fresh = join(dir, "api.generated.ts");
  writeFileSync(fresh, text);
  let committed = "";
  try {
    committed = readFileSync(GENERATED, "utf8");
  } catch {
    // Missing counts as stale.
  }
  if (committed !== text) {
    console.error(
      `${relative(frontend, GENERATED)} is stale: the backend's API changed. ` +
        `Run \`npm run api:generate\` in frontend/ and commit the result (fresh copy: ${fresh}).`,
    );
    process.exit(1);
  }
  rmSync(dir, { recursive: true });
  console.log(`${relative(frontend, GENERATED)} matches the backend's OpenAPI document`);
}

try {
  await main(process.argv[2]);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
