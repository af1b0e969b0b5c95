import { KeySquareIcon, PlusIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTokens } from "@/features/api-tokens/api/get-tokens";
import { useRevokeToken } from "@/features/api-tokens/api/revoke-token";
import { CreateTokenDialog } from "@/features/api-tokens/components/create-token-dialog";
import { toApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import type { TokenRead } from "@/types/api";

type TokenState = "active" | "expired" | "revoked";

function stateOf(token: TokenRead, now: number): TokenState {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && new Date(token.expires_at).getTime() <= now) return "expired";
  return "active";
}

const STATE_BADGE: Record<TokenState, React.ReactNode> = {
  active: <Badge variant="success">Active</Badge>,
  expired: <Badge variant="warning">Expired</Badge>,
  revoked: <Badge variant="secondary">Revoked</Badge>,
};

function RevokeButton({ token }: { token: TokenRead }) {
  const revoke = useRevokeToken();
  return (
    <ConfirmDialog
      title={`Revoke ${token.name}?`}
      description="Scripts using this token get 401 from now on. This cannot be undone: create a new token instead."
      confirmLabel="Revoke"
      cancelLabel="Keep it"
      onConfirm={() =>
        revoke.mutate(token.id, {
          onSuccess: () => toast.success(`${token.name} revoked`),
          onError: (error) => toast.error(`Could not revoke ${token.name}`, { description: toApiError(error).message }),
        })
      }
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Revoke ${token.name}`} disabled={revoke.isPending}>
          <Trash2Icon />
          <span className="hidden md:inline">Revoke</span>
        </Button>
      }
    />
  );
}

/** /tokens — the signed-in user's personal API tokens: create (shown once), see use, revoke. */
export function TokensPage() {
  const tokens = useTokens();
  const [creating, setCreating] = React.useState(false);
  const [now] = React.useState(() => Date.now());

  let body: React.ReactNode;
  if (tokens.isPending) {
    body = (
      <div className="flex flex-col gap-2" aria-busy="true">
        <Skeleton className="h-12 w-full" />
        <Skeleton className="h-12 w-full" />
      </div>
    );
  } else if (tokens.isError) {
    body = <ErrorMessage title="Could not load your tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />;
  } else if (tokens.data.length === 0) {
    body = (
      <EmptyState
        icon={<KeySquareIcon />}
        title="No API tokens"
        description="A token lets a script call the API as you, without your password."
        action={<Button onClick={() => setCreating(true)}>New token</Button>}
      />
    );
  } else {
    body = (
      <Card className="py-0">
        <CardContent className="px-0">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-4">Name</TableHead>
                <TableHead className="hidden sm:table-cell">Token</TableHead>
                <TableHead className="hidden lg:table-cell">Created</TableHead>
                <TableHead className="hidden md:table-cell">Last used</TableHead>
                <TableHead className="hidden lg:table-cell">Expires</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="pr-4 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {tokens.data.map((token) => {
                const state = stateOf(token, now);
                return (
                  <TableRow key={token.id}>
                    <TableCell className="pl-4 font-medium">{token.name}</TableCell>
                    <TableCell className="hidden font-mono text-xs sm:table-cell">{token.prefix}…</TableCell>
                    <TableCell className="hidden whitespace-nowrap lg:table-cell">{formatDateTime(token.created_at)}</TableCell>
                    <TableCell className="hidden whitespace-nowrap md:table-cell">
                      {token.last_used_at ? formatDateTime(token.last_used_at) : "Never"}
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap lg:table-cell">
                      {token.expires_at ? formatDateTime(token.expires_at) : "Never"}
                    </TableCell>
                    <TableCell>{STATE_BADGE[state]}</TableCell>
                    <TableCell className="pr-4 text-right">{state === "active" && <RevokeButton token={token} />}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    );
  }

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Personal tokens for scripts: send one as `Authorization: Bearer <token>`. A token acts with your current role."
        actions={
          <Button onClick={() => setCreating(true)}>
            <PlusIcon />
            New token
          </Button>
        }
      />
      {body}
      <CreateTokenDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}
