import * as React from "react";

import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useCan } from "@/lib/requests/get-current-user";
import { needsRoleText } from "@/lib/roles";
import type { Role } from "@/types/api";

/**
 * Shows `children` to users with at least `role`. Below it: `fallback` when `mode` is "hide" (the
 * default: nothing), or, when `mode` is "disable", the controls inside greyed out with a tooltip
 * saying who may use them — so a screen never offers an action that would only answer 403.
 */
export function RoleGate({
  role,
  mode = "hide",
  fallback = null,
  children,
}: {
  role: Role;
  mode?: "hide" | "disable";
  fallback?: React.ReactNode;
  children: React.ReactNode;
}) {
  const allowed = useCan(role);
  if (allowed) return children;
  if (mode === "hide") return fallback;
  return (
    <DisabledWithReason reason={needsRoleText(role)} data-needs-role={role}>
      {children}
    </DisabledWithReason>
  );
}

/** The controls inside greyed out, with a tooltip saying why (a disabled button fires no pointer
 * events, so the focusable wrapper carries the tooltip). */
export function DisabledWithReason({
  reason,
  children,
  ...props
}: { reason: string; children: React.ReactNode } & React.ComponentProps<"span">) {
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span tabIndex={0} className="inline-flex" {...props}>
          <fieldset disabled className="contents">
            {children}
          </fieldset>
        </span>
      </TooltipTrigger>
      <TooltipContent>{reason}</TooltipContent>
    </Tooltip>
  );
}
