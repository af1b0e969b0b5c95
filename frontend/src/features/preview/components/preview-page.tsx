import { AlertTriangleIcon, ArrowRightIcon, ChevronLeftIcon, ChevronRightIcon, TableIcon } from "lucide-react";
import { Link, useParams, useSearchParams } from "react-router";

import { EncodingWarning } from "@/components/encoding-warning";
import { RoleGate } from "@/components/role-gate";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorBoundary } from "@/components/ui/error-boundary";
import { ErrorMessage } from "@/components/ui/error-message";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { useFilePreview } from "@/features/preview/api/get-file-preview";
import { PreviewTable } from "@/features/preview/components/preview-table";
import { formatBytes, formatNumber } from "@/lib/format";
import { useFile } from "@/lib/requests/get-file";

const PAGE_SIZES = [25, 50, 100, 250];
const DEFAULT_LIMIT = 50;

function readInt(value: string | null, fallback: number, allowed?: number[]) {
  const parsed = Number.parseInt(value ?? "", 10);
  if (!Number.isFinite(parsed) || parsed < 0) return fallback;
  return allowed && !allowed.includes(parsed) ? fallback : parsed;
}

/** Typed preview of an uploaded file; the page position lives in the URL (?offset=&limit=). */
export function PreviewPage() {
  const { fileId = "" } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const limit = readInt(searchParams.get("limit"), DEFAULT_LIMIT, PAGE_SIZES);
  const offset = readInt(searchParams.get("offset"), 0);
  const file = useFile(fileId);
  const preview = useFilePreview(fileId, offset, limit);

  const go = (nextOffset: number, nextLimit = limit) =>
    setSearchParams({ offset: String(Math.max(0, nextOffset)), limit: String(nextLimit) });

  const data = preview.data;
  const total = data?.total_rows ?? null;
  const shownTo = data ? data.offset + data.rows.length : 0;
  const hasNext = data ? (total === null ? data.rows.length === limit : shownTo < total) : false;

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title={file.data ? file.data.filename : "Preview"}
        description={
          file.data
            ? `${formatBytes(file.data.size_bytes)} · ${file.data.columns.length} columns · ${file.data.encoding}, delimiter ${JSON.stringify(file.data.delimiter)}`
            : "Typed preview of the uploaded file"
        }
        actions={
          <>
            <Button asChild variant="outline">
              <Link to={`/upload?fileId=${fileId}`}>Format options</Link>
            </Button>
            <RoleGate role="operator">
              <Button asChild>
                <Link to={`/jobs/new?fileId=${fileId}`} data-testid="create-job-link">
                  Create job
                  <ArrowRightIcon />
                </Link>
              </Button>
            </RoleGate>
          </>
        }
      />

      {file.data && <EncodingWarning file={file.data} />}

      {preview.isPending && (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading preview">
          <Skeleton className="h-20" />
          {Array.from({ length: 8 }, (_, i) => (
            <Skeleton key={i} className="h-8" />
          ))}
        </div>
      )}
      {preview.isError && (
        <ErrorMessage error={preview.error} title="Could not preview this file" onRetry={() => void preview.refetch()} />
      )}

      {data && data.invalid_cells.length > 0 && (
        <Alert variant="warning" data-testid="invalid-cells-summary">
          <AlertTriangleIcon />
          <AlertTitle>
            {data.invalid_cells.length} value{data.invalid_cells.length === 1 ? "" : "s"} on this page would be rejected
          </AlertTitle>
          <AlertDescription>
            They are highlighted below; hover or focus one to see why. Change a column's type in the job's mapping, or
            let the load reject those rows up to a threshold.
          </AlertDescription>
        </Alert>
      )}

      {data && data.rows.length === 0 && (
        <EmptyState icon={<TableIcon />} title="No rows here" description="The file has no data rows at this position." />
      )}

      {data && data.rows.length > 0 && (
        <Card className="gap-0 py-0">
          <CardContent className="px-0">
            <div aria-busy={preview.isFetching}>
              <ErrorBoundary title="The preview table failed to render">
                <PreviewTable preview={data} />
              </ErrorBoundary>
            </div>
          </CardContent>
        </Card>
      )}

      {data && (
        <nav aria-label="Preview pages" className="flex flex-wrap items-center justify-between gap-3">
          <p className="text-sm text-muted-foreground" aria-live="polite" data-testid="preview-range">
            {data.rows.length > 0
              ? `Rows ${formatNumber(data.offset + 1)}–${formatNumber(shownTo)}${total !== null ? ` of ${data.total_rows_exact === false ? "about " : ""}${formatNumber(total)}` : ""}`
              : ""}
            {preview.isFetching && <Spinner className="ml-2 inline" />}
          </p>
          <div className="flex items-center gap-2">
            <Label htmlFor="preview-page-size" className="text-sm font-normal text-muted-foreground">
              Rows per page
            </Label>
            <Select value={String(limit)} onValueChange={(value) => go(0, Number(value))}>
              <SelectTrigger id="preview-page-size" size="sm" className="w-20">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {PAGE_SIZES.map((size) => (
                  <SelectItem key={size} value={String(size)}>
                    {size}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
            <Button
              variant="outline"
              size="sm"
              onClick={() => go(offset - limit)}
              disabled={offset === 0 || preview.isFetching}
              data-testid="preview-prev"
            >
              <ChevronLeftIcon />
              Previous
            </Button>
            <Button
              variant="outline"
              size="sm"
              onClick={() => go(offset + limit)}
              disabled={!hasNext || preview.isFetching}
              data-testid="preview-next"
            >
              Next
              <ChevronRightIcon />
            </Button>
          </div>
        </nav>
      )}
    </div>
  );
}
