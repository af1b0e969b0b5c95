import {
  BellIcon,
  BracesIcon,
  CalendarClockIcon,
  DatabaseIcon,
  HistoryIcon,
  KeyRoundIcon,
  KeySquareIcon,
  LayoutDashboardIcon,
  MenuIcon,
  ScrollTextIcon,
  UploadIcon,
  UsersIcon,
  WorkflowIcon,
  XIcon,
} from "lucide-react";
import * as React from "react";
import { NavLink, Outlet } from "react-router";

import { PageLoading } from "@/app/page-loading";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { UserMenu } from "@/features/auth/components/user-menu";
import { toApiError } from "@/lib/api-client";
import { useCurrentUser } from "@/lib/requests/get-current-user";
import { roleAllows } from "@/lib/roles";
import { cn } from "@/lib/utils";
import type { Role } from "@/types/api";

type NavItem = { to: string; label: string; icon: typeof DatabaseIcon; end: boolean; role: Role };

// "Upload" is for operators: a viewer finds uploaded files from the jobs that use them.
const NAV_ITEMS: readonly NavItem[] = [
  { to: "/", label: "Dashboard", icon: LayoutDashboardIcon, end: true, role: "viewer" },
  { to: "/upload", label: "Upload", icon: UploadIcon, end: false, role: "operator" },
  { to: "/jobs", label: "Jobs", icon: WorkflowIcon, end: false, role: "viewer" },
  { to: "/runs", label: "Runs", icon: HistoryIcon, end: false, role: "viewer" },
  { to: "/schedules", label: "Schedules", icon: CalendarClockIcon, end: false, role: "viewer" },
  { to: "/credentials", label: "Credentials", icon: KeyRoundIcon, end: false, role: "viewer" },
  { to: "/notifications", label: "Notifications", icon: BellIcon, end: false, role: "viewer" },
  { to: "/variables", label: "Variables", icon: BracesIcon, end: false, role: "viewer" },
  { to: "/tokens", label: "API tokens", icon: KeySquareIcon, end: false, role: "viewer" },
  { to: "/users", label: "Users", icon: UsersIcon, end: false, role: "admin" },
  { to: "/audit", label: "Audit log", icon: ScrollTextIcon, end: false, role: "admin" },
];

function NavItems({ role, onNavigate }: { role: Role; onNavigate?: () => void }) {
  return (
    <ul className="flex flex-col gap-1">
      {NAV_ITEMS.filter((item) => roleAllows(role, item.role)).map(({ to, label, icon: Icon, end }) => (
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

/** Sidebar navigation on wide screens, a toggled drawer on narrow ones; only for a signed-in user
 * (without a session the API client sends the browser to the login page). */
export function AppLayout() {
  const [menuOpen, setMenuOpen] = React.useState(false);
  const me = useCurrentUser();

  // A 401 is on its way to the login page (api-client): nothing to show meanwhile.
  if (me.isPending || (me.isError && toApiError(me.error).status === 401)) return <PageLoading />;
  if (me.isError) {
    return (
      <div className="mx-auto flex max-w-xl flex-col gap-4 p-6">
        <ErrorMessage error={me.error} title="Could not check who is signed in" onRetry={() => void me.refetch()} />
      </div>
    );
  }
  const user = me.data;

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
        <nav aria-label="Main" className="flex-1 px-2">
          <NavItems role={user.role} />
        </nav>
        <div className="px-2">
          <UserMenu user={user} />
        </div>
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
            <NavItems role={user.role} onNavigate={() => setMenuOpen(false)} />
            <div className="mt-2 border-t pt-2">
              <UserMenu user={user} />
            </div>
          </nav>
        )}
        <main id="main" className="mx-auto w-full max-w-7xl min-w-0 flex-1 p-4 md:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
