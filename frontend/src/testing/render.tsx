import { render, type RenderOptions } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import * as React from "react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";

import { AppProvider } from "@/app/provider";
import { createQueryClient } from "@/lib/query-client";

/**
 * Render a page inside the real providers and an in-memory router.
 * `routes` lets a test declare the paths a page links or navigates to, so navigation is observable.
 */
export function renderWithApp(
  ui: React.ReactElement,
  {
    path = "/",
    url = path,
    routes = [],
    ...options
  }: { path?: string; url?: string; routes?: RouteObject[] } & Omit<RenderOptions, "wrapper"> = {},
) {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({
    queries: { ...queryClient.getDefaultOptions().queries, retry: false, staleTime: Infinity },
    mutations: { retry: false },
  });
  const router = createMemoryRouter([{ path, element: ui }, ...routes], { initialEntries: [url] });
  const user = userEvent.setup({ delay: null });
  const result = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
    options,
  );
  return { ...result, user, router, queryClient };
}
