import { ChevronsUpDownIcon, KeySquareIcon, LockKeyholeIcon, LogOutIcon } from "lucide-react";
import * as React from "react";
import { Link, useNavigate } from "react-router";
import { toast } from "sonner";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { useLogout } from "@/features/auth/api/logout";
import { ChangePasswordDialog } from "@/features/auth/components/change-password-dialog";
import { toApiError } from "@/lib/api-client";
import { ROLE_LABEL } from "@/lib/roles";
import type { UserRead } from "@/types/api";

/** Who is signed in (name, role), their API tokens, their password, and logout. */
export function UserMenu({ user }: { user: UserRead }) {
  const navigate = useNavigate();
  const logout = useLogout();
  const [changingPassword, setChangingPassword] = React.useState(false);

  const onLogout = () =>
    logout.mutate(undefined, {
      onSuccess: () => void navigate("/login", { replace: true }),
      onError: (error) => toast.error("Could not log out", { description: toApiError(error).message }),
    });

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" className="h-auto w-full justify-between px-3 py-2 text-left" aria-label={`Account: ${user.name}`}>
            <span className="flex min-w-0 flex-col">
              <span className="truncate text-sm font-medium" data-testid="user-menu-name">
                {user.name}
              </span>
              <span className="text-xs text-muted-foreground" data-testid="user-menu-role">
                {ROLE_LABEL[user.role]}
              </span>
            </span>
            <ChevronsUpDownIcon className="text-muted-foreground" />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start" className="w-60">
          <DropdownMenuLabel className="flex flex-col gap-1">
            <span className="truncate">{user.email}</span>
            <Badge variant="secondary">{ROLE_LABEL[user.role]}</Badge>
          </DropdownMenuLabel>
          <DropdownMenuSeparator />
          <DropdownMenuItem asChild>
            <Link to="/tokens">
              <KeySquareIcon />
              API tokens
            </Link>
          </DropdownMenuItem>
          {user.auth_source === "password" && (
            <DropdownMenuItem onSelect={() => setChangingPassword(true)}>
              <LockKeyholeIcon />
              Change password
            </DropdownMenuItem>
          )}
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={onLogout} disabled={logout.isPending}>
            <LogOutIcon />
            Log out
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <ChangePasswordDialog open={changingPassword} onOpenChange={setChangingPassword} />
    </>
  );
}
