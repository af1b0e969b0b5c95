import { BanIcon, CheckCircle2Icon, CircleDashedIcon, ClockIcon, Loader2Icon, TriangleAlertIcon, XCircleIcon } from "lucide-react";
import type { ReactNode } from "react";

import { Badge, type BadgeProps } from "@/components/ui/badge";
import type { JobRunStatus } from "@/types/api";

const LOOK: Record<JobRunStatus, { label: string; variant: BadgeProps["variant"]; icon: ReactNode }> = {
  PENDING: { label: "Pending", variant: "secondary", icon: <ClockIcon aria-hidden /> },
  RUNNING: { label: "Running", variant: "info", icon: <Loader2Icon className="animate-spin" aria-hidden /> },
  COMPLETED: { label: "Completed", variant: "success", icon: <CheckCircle2Icon aria-hidden /> },
  COMPLETED_WITH_REJECTS: { label: "Completed with rejects", variant: "warning", icon: <TriangleAlertIcon aria-hidden /> },
  FAILED: { label: "Failed", variant: "destructive", icon: <XCircleIcon aria-hidden /> },
  CANCELLED: { label: "Cancelled", variant: "outline", icon: <BanIcon aria-hidden /> },
  // The source had nothing new (no new file, no row past the cursor); nothing was committed.
  NOTHING_TO_LOAD: { label: "Nothing to load", variant: "outline", icon: <CircleDashedIcon aria-hidden /> },
};

export function runStatusLabel(status: JobRunStatus): string {
  return LOOK[status].label;
}

/** A run's status as every screen shows it: colour, icon and words (never colour alone). */
export function RunStatusBadge({ status, className }: { status: JobRunStatus; className?: string }) {
  const look = LOOK[status];
  return (
    <Badge variant={look.variant} className={className} data-status={status}>
      {look.icon}
      {look.label}
    </Badge>
  );
}
