import type { Role } from "@/types/api";

/** What each role may do, as the role picker explains it. */
export const ROLE_HINT: Record<Role, string> = {
  viewer: "Reads jobs, runs, schedules and connections (never passwords); manages their own API tokens.",
  operator: "Also uploads files, creates, edits, runs, cancels and schedules jobs.",
  admin: "Also manages connections, users and reads the audit log.",
};
