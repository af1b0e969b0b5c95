import { DatabaseIcon, KeyRoundIcon, PencilIcon, PlugZapIcon, PlusIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { Link } from "react-router";
import { toast } from "sonner";

import { PagedList } from "@/components/paged-list";
import { RoleGate } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteCredential } from "@/features/credentials/api/delete-credential";
import { useCredentials } from "@/features/credentials/api/get-credentials";
import { CredentialFormDialog } from "@/features/credentials/components/credential-form-dialog";
import { KIND_LABEL } from "@/features/credentials/utils/credential-form";
import { toApiError } from "@/lib/api-client";
import { useTestCredential } from "@/lib/requests/test-credential";
import type { CredentialRead } from "@/types/api";

function where(credential: CredentialRead): string {
  if (credential.kind === "duckdb") return String(credential.options.path ?? "");
  if (credential.kind === "s3") {
    const prefix = credential.options.path ? `/${String(credential.options.path)}` : "";
    return `s3://${String(credential.options.bucket ?? "")}${prefix}`;
  }
  if (credential.kind === "snowflake") return `${String(credential.options.account ?? "")}/${credential.database ?? ""}`;
  const port = credential.port != null ? `:${credential.port}` : "";
  return `${credential.host ?? ""}${port}/${credential.database ?? ""}`;
}

function CredentialActions({ credential, onEdit }: { credential: CredentialRead; onEdit: () => void }) {
  const test = useTestCredential();
  const remove = useDeleteCredential();
  return (
    <div className="flex justify-end gap-1">
      {credential.browsable && (
        <Button variant="ghost" size="sm" asChild>
          <Link to={`/connections/${credential.id}/browse`} aria-label={`Browse ${credential.name}`}>
            <DatabaseIcon />
            <span className="hidden md:inline">Browse</span>
          </Link>
        </Button>
      )}
      <RoleGate role="operator">
        <Button
          variant="ghost"
          size="sm"
          aria-label={`Test ${credential.name}`}
          disabled={test.isPending}
          onClick={() =>
            test.mutate(credential.id, {
              onSuccess: (result) =>
                result.ok
                  ? toast.success(`${credential.name}: connected`, {
                      description: [result.message, result.latency_ms != null && `${Math.round(result.latency_ms)} ms`]
                        .filter(Boolean)
                        .join(" · "),
                    })
                  : toast.error(`${credential.name}: connection failed`, { description: result.message }),
              onError: (error) => toast.error(`Could not test ${credential.name}`, { description: toApiError(error).message }),
            })
          }
        >
          <PlugZapIcon />
          <span className="hidden md:inline">{test.isPending ? "Testing…" : "Test"}</span>
        </Button>
      </RoleGate>
      {!credential.is_builtin && (
        <RoleGate role="admin">
          <Button variant="ghost" size="sm" aria-label={`Edit ${credential.name}`} onClick={onEdit}>
            <PencilIcon />
            <span className="hidden md:inline">Edit</span>
          </Button>
          <ConfirmDialog
            title={`Delete ${credential.name}?`}
            description="Jobs can no longer load into it. A connection that a job still uses cannot be deleted."
            onConfirm={() =>
              remove.mutate(credential.id, {
                onSuccess: () => toast.success(`${credential.name} deleted`),
                onError: (error) =>
                  toast.error(`Could not delete ${credential.name}`, { description: toApiError(error).message }),
              })
            }
            trigger={
              <Button variant="ghost" size="sm" aria-label={`Delete ${credential.name}`} disabled={remove.isPending}>
                <Trash2Icon />
                <span className="hidden md:inline">Delete</span>
              </Button>
            }
          />
        </RoleGate>
      )}
    </div>
  );
}

/** /credentials — destination connections: list, create, edit, test, delete. */
export function CredentialsPage() {
  const credentials = useCredentials({ limit: 500 });
  // undefined: closed; null: creating; a credential: editing it.
  const [editing, setEditing] = React.useState<CredentialRead | null | undefined>(undefined);

  return (
    <>
      <PageHeader
        title="Credentials"
        description="Where jobs load data. Passwords are encrypted at rest and never sent back to the browser."
        actions={
          <RoleGate role="admin">
            <Button onClick={() => setEditing(null)}>
              <PlusIcon />
              New connection
            </Button>
          </RoleGate>
        }
      />
      <PagedList
        query={credentials}
        errorTitle="Could not load the credentials"
        empty={
          <EmptyState
            icon={<KeyRoundIcon />}
            title="No connections yet"
            description="Add a database to read from, or a PostgreSQL, Redshift, DuckDB, Snowflake or S3 destination to load into."
            action={
              <RoleGate role="admin">
                <Button onClick={() => setEditing(null)}>New connection</Button>
              </RoleGate>
            }
          />
        }
      >
        {(items) => (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-4">Name</TableHead>
                <TableHead className="hidden sm:table-cell">Kind</TableHead>
                <TableHead className="hidden md:table-cell">Location</TableHead>
                <TableHead className="hidden lg:table-cell">User</TableHead>
                <TableHead className="hidden lg:table-cell">Password</TableHead>
                <TableHead className="pr-4 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((credential) => (
                <TableRow key={credential.id}>
                  <TableCell className="pl-4 font-medium">
                    {credential.name}
                    {credential.is_builtin && (
                      <Badge variant="info" className="ml-2">
                        built-in
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">{KIND_LABEL[credential.kind]}</TableCell>
                  <TableCell className="hidden max-w-64 truncate font-mono text-xs md:table-cell" title={where(credential)}>
                    {where(credential)}
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">{credential.username ?? "—"}</TableCell>
                  <TableCell className="hidden text-muted-foreground lg:table-cell">
                    {credential.has_password ? "stored" : "none"}
                  </TableCell>
                  <TableCell className="pr-4">
                    <CredentialActions credential={credential} onEdit={() => setEditing(credential)} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </PagedList>
      <CredentialFormDialog
        key={editing === undefined ? "closed" : (editing?.id ?? "new")}
        credential={editing ?? undefined}
        open={editing !== undefined}
        onOpenChange={(open) => {
          if (!open) setEditing(undefined);
        }}
      />
    </>
  );
}
