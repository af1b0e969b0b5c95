import { CalendarIcon, XIcon } from "lucide-react";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { DATE_FORMAT_CHOICES, describeDateFormat, takesDateFormat } from "@/lib/date-format";
import { useUpdateFileOptions, withOverrides } from "@/lib/requests/update-file-options";
import type { UploadedFileRead } from "@/types/api";

/**
 * Tell how a column's dates are written when detection could not decide (02/03/2024: February or
 * March?) or got it wrong. The file is profiled again; a format that does not read the column is
 * refused by the server with the column named.
 */
export function DateFormatForm({ file }: { file: UploadedFileRead }) {
  const update = useUpdateFileOptions(file.id);
  const candidates = file.columns.filter((column) => takesDateFormat(column.type));
  const [column, setColumn] = React.useState("");
  const [format, setFormat] = React.useState("");
  const set = file.overrides.column_formats ?? {};
  const names = new Map(file.columns.map((c) => [c.sql_name, c.name]));

  function save(formats: Record<string, string>) {
    update.mutate(withOverrides(file, { column_formats: Object.keys(formats).length > 0 ? formats : undefined }), {
      onSuccess: () => {
        setColumn("");
        setFormat("");
      },
    });
  }

  if (candidates.length === 0 && Object.keys(set).length === 0) return null;

  return (
    <section aria-labelledby="date-formats-heading" className="flex flex-col gap-3" data-testid="date-format-form">
      <h3 id="date-formats-heading" className="flex items-center gap-2 text-sm font-medium">
        <CalendarIcon className="size-4" aria-hidden />
        Date formats
      </h3>
      {Object.keys(set).length > 0 && (
        <ul className="flex flex-wrap gap-2">
          {Object.entries(set).map(([sqlName, chosen]) => (
            <li key={sqlName} className="flex items-center gap-1 rounded-md border px-2 py-1 text-sm" data-testid={`date-format-set-${sqlName}`}>
              {names.get(sqlName) ?? sqlName}: <span className="font-mono">{describeDateFormat(chosen)}</span>
              <Button
                size="icon"
                variant="ghost"
                className="size-6"
                aria-label={`Detect the format of ${names.get(sqlName) ?? sqlName} again`}
                disabled={update.isPending}
                onClick={() => save(Object.fromEntries(Object.entries(set).filter(([name]) => name !== sqlName)))}
              >
                <XIcon />
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="date-format-column">Column</Label>
          <Select value={column} onValueChange={setColumn}>
            <SelectTrigger id="date-format-column" className="w-56" data-testid="date-format-column">
              <SelectValue placeholder="Pick a column" />
            </SelectTrigger>
            <SelectContent>
              {candidates.map((c) => (
                <SelectItem key={c.sql_name} value={c.sql_name}>
                  {c.name} <span className="font-mono text-xs text-muted-foreground">{c.type}</span>
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="date-format-choice">Written as</Label>
          <Select value={format} onValueChange={setFormat}>
            <SelectTrigger id="date-format-choice" className="w-56 font-mono" data-testid="date-format-choice">
              <SelectValue placeholder="Pick a format" />
            </SelectTrigger>
            <SelectContent>
              {DATE_FORMAT_CHOICES.map((choice) => (
                <SelectItem key={choice} value={choice} className="font-mono">
                  {describeDateFormat(choice)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <Button
          variant="outline"
          disabled={!column || !format || update.isPending}
          onClick={() => save({ ...set, [column]: format })}
          data-testid="date-format-apply"
        >
          {update.isPending ? "Re-profiling…" : "Apply"}
        </Button>
      </div>
      {update.isError && <ErrorMessage error={update.error} title="That format does not fit" />}
    </section>
  );
}
