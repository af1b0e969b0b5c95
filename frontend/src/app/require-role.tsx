import { ShieldAlertIcon } from "lucide-react";
import { Link, Outlet } from "react-router";

import { Button } from "@/components/ui/button";
import { useCan } from "@/lib/requests/get-current-user";
import { needsRoleText } from "@/lib/roles";
import type { Role } from "@/types/api";

/** Pages below it open for `role` and up; others read why instead of meeting a 403. */
export function RequireRole({ role }: { role: Role }) {
  const allowed = useCan(role);
  if (allowed) return <Outlet />;
  return (
    <div className="mx-auto flex max-w-xl flex-col items-start gap-3 p-6" data-testid="needs-role">
      <ShieldAlertIcon className="size-8 text-muted-foreground" aria-hidden />
      <h1 className="text-xl font-semibold">Not available to your role</h1>
      <p className="text-muted-foreground">{needsRoleText(role)} Ask an admin if you need it.</p>
      <Button asChild variant="outline">
        <Link to="/">Back to the dashboard</Link>
      </Button>
    </div>
  );
}
