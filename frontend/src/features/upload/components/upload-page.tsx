import { UploadIcon, XIcon } from "lucide-react";
import * as React from "react";
import { useSearchParams } from "react-router";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Progress } from "@/components/ui/progress";
import { Skeleton } from "@/components/ui/skeleton";
import { useUploadFile, type UploadProgress } from "@/lib/requests/upload-file";
import { FileDropzone } from "@/features/upload/components/file-dropzone";
import { FileOverview } from "@/features/upload/components/file-overview";
import { RecentUploads } from "@/features/upload/components/recent-uploads";
import { checkFile } from "@/features/upload/utils/check-file";
import { toApiError } from "@/lib/api-client";
import { formatBytes } from "@/lib/format";
import { useConfig } from "@/lib/requests/get-config";
import { useFile } from "@/lib/requests/get-file";

function UploadingCard({ name, progress, onCancel }: { name: string; progress: UploadProgress; onCancel: () => void }) {
  const percent = progress.total > 0 ? Math.round((100 * progress.loaded) / progress.total) : 0;
  const done = percent >= 100;
  return (
    <Card>
      <CardContent className="flex flex-col gap-3">
        <div className="flex items-center justify-between gap-2">
          <p className="min-w-0 truncate font-medium">
            <UploadIcon className="mr-2 inline size-4" aria-hidden />
            {name}
          </p>
          <Button variant="ghost" size="sm" onClick={onCancel}>
            <XIcon />
            Cancel
          </Button>
        </div>
        <Progress value={percent} aria-label="Upload progress" data-testid="upload-progress" />
        <p className="text-sm text-muted-foreground" aria-live="polite">
          {done
            ? "Upload complete — detecting encoding, delimiter and types…"
            : `${formatBytes(progress.loaded)} of ${formatBytes(progress.total)} (${percent}%)`}
        </p>
      </CardContent>
    </Card>
  );
}

/**
 * Upload a CSV, watch the bytes go, then review what was detected. The uploaded file's id lives in
 * the URL (?fileId=) so a reload or the back button returns to the same result.
 */
export function UploadPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const fileId = searchParams.get("fileId");
  const config = useConfig();
  const upload = useUploadFile();
  const file = useFile(fileId);
  const [rejection, setRejection] = React.useState<string | null>(null);
  const [current, setCurrent] = React.useState<{ name: string; progress: UploadProgress } | null>(null);
  const abortRef = React.useRef<AbortController | null>(null);

  function start(picked: File) {
    const reason = checkFile(picked, config.data?.max_upload_bytes);
    setRejection(reason);
    upload.reset();
    if (reason) return;
    const controller = new AbortController();
    abortRef.current = controller;
    setCurrent({ name: picked.name, progress: { loaded: 0, total: picked.size } });
    upload.mutate(
      {
        file: picked,
        signal: controller.signal,
        onProgress: (progress) => setCurrent({ name: picked.name, progress }),
      },
      {
        onSuccess: (uploaded) => setSearchParams({ fileId: uploaded.id }),
        onSettled: () => {
          setCurrent(null);
          abortRef.current = null;
        },
      },
    );
  }

  const uploadError = upload.isError && toApiError(upload.error).code !== "Cancelled";

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Upload a CSV"
        description="The file is streamed to the server, then its encoding, dialect and column types are detected."
        actions={
          fileId && (
            <RoleGate role="operator">
              <Button variant="outline" onClick={() => setSearchParams({})}>
                <UploadIcon />
                Upload another file
              </Button>
            </RoleGate>
          )
        }
      />

      {!fileId && (
        <>
          <RoleGate
            role="operator"
            fallback={
              <p className="text-sm text-muted-foreground" data-testid="upload-needs-role">
                Uploading files needs the operator role; the files already on the server are listed below.
              </p>
            }
          >
            {current ? (
              <UploadingCard name={current.name} progress={current.progress} onCancel={() => abortRef.current?.abort()} />
            ) : (
              <FileDropzone onFile={start} maxBytes={config.data?.max_upload_bytes} />
            )}
          </RoleGate>
          {rejection && <ErrorMessage error={new Error(rejection)} title="This file cannot be uploaded" />}
          {uploadError && <ErrorMessage error={upload.error} title="Upload failed" />}
          <RecentUploads />
        </>
      )}

      {fileId && file.isPending && (
        <div className="flex flex-col gap-4" aria-busy="true" aria-label="Loading file details">
          <Skeleton className="h-40" />
          <Skeleton className="h-56" />
        </div>
      )}
      {fileId && file.isError && (
        <ErrorMessage error={file.error} title="Could not load this file" onRetry={() => void file.refetch()} />
      )}
      {file.data && <FileOverview key={file.data.id} file={file.data} />}
    </div>
  );
}
