import { useQuery } from "@tanstack/react-query";
import { screen } from "@testing-library/react";
import { http, HttpResponse } from "msw";

import { PagedList } from "@/components/paged-list";
import { EmptyState } from "@/components/ui/empty-state";
import { api } from "@/lib/api-client";
import { renderWithApp } from "@/testing/render";
import { apiPath, server } from "@/testing/server";
import type { Page } from "@/types/api";

type Thing = { id: number; name: string };

function Things() {
  const things = useQuery({
    queryKey: ["things"],
    queryFn: async () => (await api.get<Page<Thing>>("/things")).data,
  });
  return (
    <PagedList query={things} errorTitle="Could not load the things" empty={<EmptyState title="No things yet" />}>
      {(items) => (
        <ul>
          {items.map((thing) => (
            <li key={thing.id}>{thing.name}</li>
          ))}
        </ul>
      )}
    </PagedList>
  );
}

describe("PagedList", () => {
  it("shows placeholder rows while loading, then the items", async () => {
    server.use(http.get(apiPath("/things"), () => HttpResponse.json({ items: [{ id: 1, name: "first" }], total: 1 })));
    const { container } = renderWithApp(<Things />);
    expect(container.querySelector('[aria-busy="true"]')).toBeInTheDocument();
    expect(await screen.findByText("first")).toBeInTheDocument();
    expect(container.querySelector('[aria-busy="true"]')).not.toBeInTheDocument();
  });

  it("shows the empty state when the page has no items", async () => {
    server.use(http.get(apiPath("/things"), () => HttpResponse.json({ items: [], total: 0 })));
    renderWithApp(<Things />);
    expect(await screen.findByText("No things yet")).toBeInTheDocument();
    expect(screen.queryByRole("list")).not.toBeInTheDocument();
  });

  it("says what failed and loads again on retry", async () => {
    let calls = 0;
    server.use(
      http.get(apiPath("/things"), () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ error: { code: "internal", message: "boom" } }, { status: 500 })
          : HttpResponse.json({ items: [{ id: 2, name: "second" }], total: 1 });
      }),
    );
    const { user } = renderWithApp(<Things />);
    expect(await screen.findByText("Could not load the things")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("second")).toBeInTheDocument();
    expect(calls).toBe(2);
  });
});
