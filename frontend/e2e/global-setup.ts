import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { request } from "@playwright/test";

const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPO = path.resolve(FRONTEND, "..");
const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO, ".venv", "bin", "python");
/** Airflow home and component logs; kept after the run for reading. */
export const STACK_HOME = path.join(REPO, "test-artifacts", "ui-stack");
const START_TIMEOUT_MS = 6 * 60_000;
/** The first admin's browser session (cookies), loaded by every test's context (playwright.config.ts). */
export const ADMIN_STORAGE_STATE = path.join(REPO, "test-artifacts", "ui-auth", "admin.json");
/** The development admin the app creates at its first start (settings ADMIN_EMAIL / ADMIN_PASSWORD). */
export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "admin";

type Ready = {
  backend_url: string;
  airflow_url: string;
  dest_database: string;
  log_dir: string;
  s3_endpoint: string;
  s3_bucket: string;
};

function waitUntilReady(stack: ChildProcess): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const stderr: string[] = [];
    stack.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const timer = setTimeout(
      () => reject(new Error(`The stack was not ready after ${START_TIMEOUT_MS / 1000}s; logs in ${STACK_HOME}/logs`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: stack.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Ready);
    });
    stack.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The stack exited (${code}) before it was ready:\n${stderr.join("")}`));
    });
  });
}

async function stop(stack: ChildProcess): Promise<void> {
  if (stack.exitCode !== null || stack.signalCode !== null) return;
  const exited = once(stack, "exit");
  stack.kill("SIGTERM"); // stack.py stops every component, then exits
  const timeout = new Promise((resolve) => setTimeout(resolve, 60_000, "timeout"));
  if ((await Promise.race([exited, timeout])) === "timeout") stack.kill("SIGKILL");
}

/** Logs the first admin in through the API and keeps the session's cookies for every test; the
 * session's CSRF token goes to E2E_CSRF_TOKEN, which the config sends on API requests. */
async function logInAdmin(baseURL: string): Promise<void> {
  const context = await request.newContext({ baseURL });
  try {
    const response = await context.post("/api/v1/auth/login", { data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    if (!response.ok()) throw new Error(`The admin could not log in: ${response.status()} ${await response.text()}`);
    const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
    await context.storageState({ path: ADMIN_STORAGE_STATE });
    process.env.E2E_CSRF_TOKEN = csrf;
  } finally {
    await context.dispose();
  }
}

/** Starts the stack once for the whole run; the tests read its address from E2E_BASE_URL. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const stack = spawn(PYTHON, [path.join(FRONTEND, "e2e", "stack.py"), "--home", STACK_HOME], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let ready: Ready;
  try {
    ready = await waitUntilReady(stack);
  } catch (error) {
    await stop(stack);
    throw error;
  }
  process.env.E2E_BASE_URL = ready.backend_url;
  process.env.E2E_AIRFLOW_URL = ready.airflow_url;
  process.env.E2E_DEST_DATABASE = ready.dest_database;
  process.env.E2E_S3_ENDPOINT = ready.s3_endpoint;
  process.env.E2E_S3_BUCKET = ready.s3_bucket;
  try {
    await logInAdmin(ready.backend_url);
  } catch (error) {
    await stop(stack);
    throw error;
  }
  return () => stop(stack);
}
