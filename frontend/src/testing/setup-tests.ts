import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";

import { server } from "@/testing/server";

// Any request without a handler fails the test: components must never reach the real network.
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
});
afterAll(() => server.close());
