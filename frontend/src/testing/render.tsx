import { render, type RenderOptions } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import * as React from "react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";

import { AppProvider } from "@/app/provider";
import { createQueryClient } from "@/lib/query-client";
import { queryKeys } from "@/lib/query-keys";
import { user as userFixture } from "@/testing/fixtures";
import type { UserRead } from "@/types/api";

/**
 * Render a page inside the real providers and an in-memory router.
 * `routes` lets a test declare the paths a page links or navigates to, so navigation is observable.
 * `currentUser` is who is signed in (an admin unless a test is about roles); null: nobody known yet.
 */
export function renderWithApp(
  ui: React.ReactElement,
  {
    path = "/",
    url = path,
    routes = [],
    currentUser = userFixture(),
    ...options
  }: { path?: string; url?: string; routes?: RouteObject[]; currentUser?: UserRead | null } & Omit<
    RenderOptions,
    "wrapper"
  > = {},
) {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({
    queries: { ...queryClient.getDefaultOptions().queries, retry: false, staleTime: Infinity },
    mutations: { retry: false },
  });
  if (currentUser) queryClient.setQueryData(queryKeys.auth.me(), currentUser);
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
