import { screen } from "@testing-library/react";

import { AppLayout } from "@/app/layout";
import { renderWithApp } from "@/testing/render";

describe("AppLayout", () => {
  it("links every section and marks the current one", () => {
    renderWithApp(<AppLayout />, { path: "/runs", routes: [] });

    const nav = screen.getAllByRole("navigation", { name: "Main" })[0]!;
    for (const [name, href] of [
      ["Dashboard", "/"],
      ["Upload", "/upload"],
      ["Jobs", "/jobs"],
      ["Runs", "/runs"],
      ["Schedules", "/schedules"],
      ["Credentials", "/credentials"],
    ]) {
      expect(nav.querySelector(`a[href="${href}"]`)).toHaveTextContent(name!);
    }
    expect(nav.querySelector('a[href="/runs"]')).toHaveAttribute("aria-current", "page");
  });

  it("opens and closes the menu on a narrow screen", async () => {
    const { user } = renderWithApp(<AppLayout />, { path: "/" });
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Open menu" }));
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(2);

    await user.click(screen.getByRole("button", { name: "Close menu" }));
    expect(screen.getAllByRole("navigation", { name: "Main" })).toHaveLength(1);
  });
});
