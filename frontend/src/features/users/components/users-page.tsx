import { KeyRoundIcon, PlusIcon, UserCheckIcon, UserXIcon, UsersIcon } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";

import { OffsetPager } from "@/components/offset-pager";
import { PagedList } from "@/components/paged-list";
import { DisabledWithReason } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useUsers } from "@/features/users/api/get-users";
import { useUpdateUser } from "@/features/users/api/update-user";
import { CreateUserDialog } from "@/features/users/components/create-user-dialog";
import { ResetPasswordDialog } from "@/features/users/components/reset-password-dialog";
import { toApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { useCurrentUser } from "@/lib/requests/get-current-user";
import { ROLE_LABEL } from "@/lib/roles";
import { ROLES, type Role, type UserRead } from "@/types/api";

const PAGE_SIZE = 50;
const SELF_NOTE = "You cannot demote or deactivate yourself: another admin can.";

/** Why a change was refused, in words (409 LastAdmin names the rule). */
function refusal(error: unknown): string {
  const apiError = toApiError(error);
  return apiError.code === "LastAdmin" ? "The portal must keep at least one active admin." : apiError.message;
}

/** Disabled with a tooltip when it is the signed-in admin's own row. */
function SelfGuard({ self, children }: { self: boolean; children: React.ReactNode }) {
  return self ? <DisabledWithReason reason={SELF_NOTE}>{children}</DisabledWithReason> : children;
}

function RoleSelect({ user, self }: { user: UserRead; self: boolean }) {
  const update = useUpdateUser();
  return (
    <SelfGuard self={self}>
      <Select
        value={user.role}
        disabled={self || update.isPending}
        onValueChange={(value) =>
          update.mutate(
            { id: user.id, body: { role: value as Role } },
            {
              onSuccess: (saved) => toast.success(`${saved.name} is now ${ROLE_LABEL[saved.role].toLowerCase()}`),
              onError: (error) => toast.error(`Could not change the role of ${user.name}`, { description: refusal(error) }),
            },
          )
        }
      >
        <SelectTrigger size="sm" className="w-32" aria-label={`Role of ${user.name}`}>
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {ROLES.map((role) => (
            <SelectItem key={role} value={role}>
              {ROLE_LABEL[role]}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </SelfGuard>
  );
}

function UserActions({ user, self, onResetPassword }: { user: UserRead; self: boolean; onResetPassword: () => void }) {
  const update = useUpdateUser();
  const setActive = (active: boolean) =>
    update.mutate(
      { id: user.id, body: { active } },
      {
        onSuccess: (saved) => toast.success(`${saved.name} ${saved.active ? "reactivated" : "deactivated"}`),
        onError: (error) =>
          toast.error(`Could not ${active ? "reactivate" : "deactivate"} ${user.name}`, { description: refusal(error) }),
      },
    );
  return (
    <div className="flex justify-end gap-1">
      {user.auth_source === "password" && (
        <Button variant="ghost" size="sm" aria-label={`Reset the password of ${user.name}`} onClick={onResetPassword}>
          <KeyRoundIcon />
          <span className="hidden lg:inline">Reset password</span>
        </Button>
      )}
      {user.active ? (
        <SelfGuard self={self}>
          <ConfirmDialog
            title={`Deactivate ${user.name}?`}
            description="They are logged out at once; their sessions and API tokens stop working. Their history stays, and you can reactivate them."
            confirmLabel="Deactivate"
            onConfirm={() => setActive(false)}
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Deactivate ${user.name}`} disabled={self || update.isPending}>
                <UserXIcon />
                <span className="hidden lg:inline">Deactivate</span>
              </Button>
            }
          />
        </SelfGuard>
      ) : (
        <Button
          variant="ghost"
          size="sm"
          aria-label={`Reactivate ${user.name}`}
          disabled={update.isPending}
          onClick={() => setActive(true)}
        >
          <UserCheckIcon />
          <span className="hidden lg:inline">Reactivate</span>
        </Button>
      )}
    </div>
  );
}

/** /users (admins) — who can log in, with which role; add, re-role, deactivate, reset a password. */
export function UsersPage() {
  const [offset, setOffset] = React.useState(0);
  const users = useUsers({ offset, limit: PAGE_SIZE });
  const me = useCurrentUser().data;
  const [creating, setCreating] = React.useState(false);
  const [resetting, setResetting] = React.useState<UserRead | null>(null);

  return (
    <>
      <PageHeader
        title="Users"
        description="Viewers read, operators also run jobs, admins also manage connections, users and the audit log."
        actions={
          <Button onClick={() => setCreating(true)}>
            <PlusIcon />
            New user
          </Button>
        }
      />
      <div className="flex flex-col gap-3">
        <PagedList
          query={users}
          errorTitle="Could not load the users"
          empty={<EmptyState icon={<UsersIcon />} title="No users" description="Add the people who use the portal." />}
        >
          {(items) => (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead className="pl-4">Name</TableHead>
                  <TableHead className="hidden md:table-cell">Email</TableHead>
                  <TableHead>Role</TableHead>
                  <TableHead className="hidden sm:table-cell">Status</TableHead>
                  <TableHead className="hidden lg:table-cell">Last login</TableHead>
                  <TableHead className="pr-4 text-right">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((user) => {
                  const self = user.id === me?.id;
                  return (
                    <TableRow key={user.id} data-testid={`user-row-${user.email}`}>
                      <TableCell className="pl-4">
                        <span className="font-medium">{user.name}</span>
                        {self && (
                          <Badge variant="outline" className="ml-2">
                            you
                          </Badge>
                        )}
                        <p className="text-xs text-muted-foreground md:hidden">{user.email}</p>
                      </TableCell>
                      <TableCell className="hidden md:table-cell">
                        {user.email}
                        {user.auth_source === "oidc" && (
                          <Badge variant="info" className="ml-2">
                            SSO
                          </Badge>
                        )}
                      </TableCell>
                      <TableCell>
                        <RoleSelect user={user} self={self} />
                      </TableCell>
                      <TableCell className="hidden sm:table-cell">
                        {user.active ? <Badge variant="success">Active</Badge> : <Badge variant="secondary">Deactivated</Badge>}
                      </TableCell>
                      <TableCell className="hidden whitespace-nowrap lg:table-cell">
                        {user.last_login_at ? formatDateTime(user.last_login_at) : "Never"}
                      </TableCell>
                      <TableCell className="pr-4">
                        <UserActions user={user} self={self} onResetPassword={() => setResetting(user)} />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )}
        </PagedList>
        {users.data && (
          <OffsetPager
            offset={offset}
            pageSize={PAGE_SIZE}
            total={users.data.total}
            end={offset + users.data.items.length}
            onOffsetChange={setOffset}
          />
        )}
      </div>
      <CreateUserDialog open={creating} onOpenChange={setCreating} />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}
