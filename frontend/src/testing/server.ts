import { setupServer } from "msw/node";

/** One MSW server for every component test; each test adds its handlers with `server.use(...)`. */
export const server = setupServer();

/** Absolute URL of an API path as the axios client requests it under jsdom. */
export function apiPath(path: string): string {
  return `*/api/v1${path}`;
}
