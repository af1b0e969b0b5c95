import {
  CalendarClockIcon,
  DatabaseIcon,
  HistoryIcon,
  KeyRoundIcon,
  LayoutDashboardIcon,
  MenuIcon,
  UploadIcon,
  WorkflowIcon,
  XIcon,
} from "lucide-react";
import * as React from "react";
import { NavLink, Outlet } from "react-router";

import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

const NAV_ITEMS = [
  { to: "/", label: "Dashboard", icon: LayoutDashboardIcon, end: true },
  { to: "/upload", label: "Upload", icon: UploadIcon, end: false },
  { to: "/jobs", label: "Jobs", icon: WorkflowIcon, end: false },
  { to: "/runs", label: "Runs", icon: HistoryIcon, end: false },
  { to: "/schedules", label: "Schedules", icon: CalendarClockIcon, end: false },
  { to: "/credentials", label: "Credentials", icon: KeyRoundIcon, end: false },
] as const;

function NavItems({ onNavigate }: { onNavigate?: () => void }) {
  return (
    <ul className="flex flex-col gap-1">
      {NAV_ITEMS.map(({ to, label, icon: Icon, end }) => (
        <li key={to}>
          <NavLink
            to={to}
            end={end}
            onClick={onNavigate}
            className={({ isActive }) =>
              cn(
                "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors outline-none focus-visible:ring-2 focus-visible:ring-ring",
                isActive ? "bg-primary/10 text-primary" : "text-muted-foreground hover:bg-accent hover:text-foreground",
              )
            }
          >
            <Icon className="size-4" aria-hidden />
            {label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function Brand() {
  return (
    <NavLink to="/" className="flex items-center gap-2 px-3 font-semibold">
      <DatabaseIcon className="size-5 text-primary" aria-hidden />
      ETL Portal
    </NavLink>
  );
}

/** Sidebar navigation on wide screens, a toggled drawer on narrow ones. */
export function AppLayout() {
  const [menuOpen, setMenuOpen] = React.useState(false);

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-background focus:p-2"
      >
        Skip to content
      </a>
      <aside className="hidden w-56 shrink-0 flex-col gap-6 border-r bg-sidebar py-5 md:flex">
        <Brand />
        <nav aria-label="Main" className="px-2">
          <NavItems />
        </nav>
      </aside>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-14 items-center gap-2 border-b px-3 md:hidden">
          <Button
            variant="ghost"
            size="icon"
            aria-label={menuOpen ? "Close menu" : "Open menu"}
            aria-expanded={menuOpen}
            aria-controls="mobile-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            {menuOpen ? <XIcon /> : <MenuIcon />}
          </Button>
          <Brand />
        </header>
        {menuOpen && (
          <nav id="mobile-nav" aria-label="Main" className="border-b bg-sidebar p-2 md:hidden">
            <NavItems onNavigate={() => setMenuOpen(false)} />
          </nav>
        )}
        <main id="main" className="mx-auto w-full max-w-7xl min-w-0 flex-1 p-4 md:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
