import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";

import { server } from "@/testing/server";

// findBy*/waitFor give up after 1 s by default; a loaded shared CI box needs longer.
configure({ asyncUtilTimeout: 5_000 });

// jsdom lacks the layout APIs Radix primitives (Select, Tooltip, Dialog) call.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
Element.prototype.hasPointerCapture ??= () => false;
Element.prototype.setPointerCapture ??= () => {};
Element.prototype.releasePointerCapture ??= () => {};
Element.prototype.scrollIntoView ??= () => {};

// Any request without a handler fails the test: components must never reach the real network.
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
});
afterAll(() => server.close());
