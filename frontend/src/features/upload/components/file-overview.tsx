import { ArrowRightIcon, FileTextIcon, TableIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";

import { ColumnTraitBadges } from "@/components/column-traits";
import { EncodingWarning } from "@/components/encoding-warning";
import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Separator } from "@/components/ui/separator";
import { CsvOptionsForm } from "@/features/upload/components/csv-options-form";
import { DateFormatForm } from "@/features/upload/components/date-format-form";
import { describeEncoding } from "@/lib/encodings";
import { formatBytes, formatNumber } from "@/lib/format";
import { useCan } from "@/lib/requests/get-current-user";
import { needsRoleText } from "@/lib/roles";
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
  // Reading is for everyone; changing how the file is read is an operator's (a viewer sees the forms greyed).
  const canEdit = useCan("operator");
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
            <Fact
              label="Encoding"
              value={
                <span title={describeEncoding(file.encoding)} data-testid="file-encoding">
                  {file.encoding}
                  {file.overrides.encoding ? (
                    <span className="ml-1 text-xs font-normal text-muted-foreground">(your choice)</span>
                  ) : file.encoding_confidence < 1 && (
                    <span className="ml-1 text-xs font-normal text-muted-foreground">
                      ({Math.round(file.encoding_confidence * 100)}% sure)
                    </span>
                  )}
                </span>
              }
            />
          </dl>
          <fieldset disabled={!canEdit} className="contents">
            <EncodingWarning file={file} />
          </fieldset>
          {file.excel_separator_line && (
            <p className="text-sm text-muted-foreground" data-testid="excel-separator-note">
              The file starts with Excel’s “sep={file.delimiter}” line: it names the delimiter and is not read as data.
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            <Button asChild variant="outline">
              <Link to={`/files/${file.id}`} data-testid="preview-link">
                <TableIcon />
                Preview data
              </Link>
            </Button>
            <RoleGate role="operator">
              <Button asChild>
                <Link to={`/jobs/new?fileId=${file.id}`} data-testid="create-job-link">
                  Create job
                  <ArrowRightIcon />
                </Link>
              </Button>
            </RoleGate>
          </div>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Detected format</CardTitle>
          <CardDescription>
            {canEdit ? "Wrong guess? Change it and the file is profiled again." : `What was detected. ${needsRoleText("operator")}`}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <fieldset disabled={!canEdit} className="flex min-w-0 flex-col gap-6">
            <CsvOptionsForm file={file} />
            <Separator />
            <DateFormatForm file={file} />
          </fieldset>
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
              <li
                key={column.sql_name}
                className="flex flex-col gap-1 rounded-md border px-3 py-2"
                data-testid={`detected-column-${column.sql_name}`}
              >
                <span className="min-w-0 truncate" title={column.name}>
                  {column.name}
                  {column.sql_name !== column.name && (
                    <span className="ml-2 font-mono text-xs text-muted-foreground">{column.sql_name}</span>
                  )}
                </span>
                <ColumnTraitBadges column={{ ...column, timezone: column.timezone ?? file.timezone }} />
              </li>
            ))}
          </ul>
        </CardContent>
      </Card>
    </div>
  );
}
