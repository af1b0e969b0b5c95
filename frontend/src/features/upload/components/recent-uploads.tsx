import { ArrowRightIcon, FileTextIcon, TableIcon, Trash2Icon } from "lucide-react";
import { Link } from "react-router";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteFile } from "@/lib/requests/delete-file";
import { useFiles } from "@/features/upload/api/get-files";
import { toApiError } from "@/lib/api-client";
import { formatBytes, formatDateTime, formatNumber } from "@/lib/format";
import type { UploadedFileRead } from "@/types/api";

const PARAMS = { offset: 0, limit: 20 };

function DeleteFileButton({ file }: { file: UploadedFileRead }) {
  const remove = useDeleteFile();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="ghost" size="icon" aria-label={`Delete ${file.filename}`} disabled={remove.isPending}>
          <Trash2Icon />
        </Button>
      }
      title={`Delete ${file.filename}?`}
      description="The uploaded file is removed from the server. Jobs that load it must be deleted first."
      onConfirm={() =>
        remove.mutate(file.id, {
          onSuccess: () => toast.success(`${file.filename} deleted`),
          onError: (error) => toast.error(toApiError(error).message),
        })
      }
    />
  );
}

/** The latest uploads, to preview again or start a job from without uploading twice. */
export function RecentUploads() {
  const files = useFiles(PARAMS);
  if (files.isPending) return <Skeleton className="h-32" aria-label="Loading recent uploads" />;
  if (files.isError) {
    return <ErrorMessage error={files.error} title="Could not list uploaded files" onRetry={() => void files.refetch()} />;
  }
  if (files.data.items.length === 0) return null;
  const items = [...files.data.items].sort((a, b) => b.created_at.localeCompare(a.created_at));

  return (
    <Card data-testid="recent-uploads">
      <CardHeader>
        <CardTitle>Recent uploads</CardTitle>
        <CardDescription>
          {files.data.total > items.length ? `The latest ${items.length} of ${files.data.total} files.` : "Files already on the server."}
        </CardDescription>
      </CardHeader>
      <CardContent>
        <Table aria-label="Recent uploads">
          <TableHeader>
            <TableRow>
              <TableHead>File</TableHead>
              <TableHead className="text-right">Size</TableHead>
              <TableHead className="text-right">Rows</TableHead>
              <TableHead>Uploaded</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((file) => (
              <TableRow key={file.id}>
                <TableCell className="max-w-64 truncate font-medium">
                  <Link to={`/upload?fileId=${file.id}`} className="inline-flex items-center gap-2 hover:underline">
                    <FileTextIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden />
                    {file.filename}
                  </Link>
                </TableCell>
                <TableCell className="text-right tabular-nums">{formatBytes(file.size_bytes)}</TableCell>
                <TableCell className="text-right tabular-nums">~{formatNumber(file.row_estimate)}</TableCell>
                <TableCell className="text-muted-foreground">{formatDateTime(file.created_at)}</TableCell>
                <TableCell>
                  <div className="flex justify-end gap-1">
                    <Button asChild variant="ghost" size="sm">
                      <Link to={`/files/${file.id}`} aria-label={`Preview ${file.filename}`}>
                        <TableIcon />
                        Preview
                      </Link>
                    </Button>
                    <RoleGate role="operator">
                      <Button asChild variant="ghost" size="sm">
                        <Link to={`/jobs/new?fileId=${file.id}`} aria-label={`Create a job from ${file.filename}`}>
                          Create job
                          <ArrowRightIcon />
                        </Link>
                      </Button>
                      <DeleteFileButton file={file} />
                    </RoleGate>
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}
