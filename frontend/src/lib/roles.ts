import { ROLES, type Role } from "@/types/api";

export const ROLE_LABEL: Record<Role, string> = { viewer: "Viewer", operator: "Operator", admin: "Admin" };

/** viewer < operator < admin: whether `role` may do what `needed` may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who may do something, in words, for tooltips and notes. */
export function needsRoleText(role: Role): string {
  return role === "admin" ? "Only an admin can do this." : `Needs the ${ROLE_LABEL[role].toLowerCase()} role.`;
}
