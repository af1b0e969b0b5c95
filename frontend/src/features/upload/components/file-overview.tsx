import { ArrowRightIcon, FileTextIcon, TableIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TypeBadge } from "@/components/ui/type-badge";
import { CsvOptionsForm } from "@/features/upload/components/csv-options-form";
import { formatBytes, formatNumber } from "@/lib/format";
import type { UploadedFileRead } from "@/types/api";

function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="font-medium">{value}</dd>
    </div>
  );
}

/** What the server detected in an uploaded file, with the way on to preview or a job. */
export function FileOverview({ file }: { file: UploadedFileRead }) {
  return (
    <div className="flex flex-col gap-6" data-testid="file-overview">
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2 break-all">
            <FileTextIcon className="size-5 shrink-0 text-primary" aria-hidden />
            {file.filename}
          </CardTitle>
          <CardDescription>Uploaded and profiled. Check the detected format, then preview the data or create a job.</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-6">
          <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
            <Fact label="Size" value={formatBytes(file.size_bytes)} />
            <Fact label="Rows (estimate)" value={formatNumber(file.row_estimate)} />
            <Fact label="Columns" value={file.columns.length} />
            <Fact label="Compression" value={file.compression ?? "none"} />
          </dl>
          <div className="flex flex-wrap gap-2">
            <Button asChild variant="outline">
              <Link to={`/files/${file.id}`} data-testid="preview-link">
                <TableIcon />
                Preview data
              </Link>
            </Button>
            <Button asChild>
              <Link to={`/jobs/new?fileId=${file.id}`} data-testid="create-job-link">
                Create job
                <ArrowRightIcon />
              </Link>
            </Button>
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Detected format</CardTitle>
          <CardDescription>Wrong guess? Change it and the file is profiled again.</CardDescription>
        </CardHeader>
        <CardContent>
          <CsvOptionsForm file={file} />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Columns</CardTitle>
          <CardDescription>Types are inferred conservatively: a column is TEXT unless every value fits a narrower type.</CardDescription>
        </CardHeader>
        <CardContent>
          <ul className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3" data-testid="detected-columns">
            {file.columns.map((column) => (
              <li key={column.sql_name} className="flex items-center justify-between gap-2 rounded-md border px-3 py-2">
                <span className="min-w-0 truncate" title={column.name}>
                  {column.name}
                  {column.sql_name !== column.name && (
                    <span className="ml-2 font-mono text-xs text-muted-foreground">{column.sql_name}</span>
                  )}
                </span>
                <TypeBadge type={column.type} />
              </li>
            ))}
          </ul>
        </CardContent>
      </Card>
    </div>
  );
}
