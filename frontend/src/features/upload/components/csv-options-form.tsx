import { zodResolver } from "@hookform/resolvers/zod";
import { RefreshCwIcon } from "lucide-react";
import { Controller, useForm, useWatch } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { formatNumber } from "@/lib/format";
import { COMMON_NULL_MARKERS, parseNullMarkers } from "@/features/upload/utils/null-markers";
import { useUpdateFileOptions, withOverrides } from "@/lib/requests/update-file-options";
import type { CsvOptionsUpdate, UploadedFileRead } from "@/types/api";

const ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "iso-8859-15", "mac-roman", "cp1250", "cp1251", "ascii"];

const DELIMITERS: Record<string, string> = { ",": "Comma ( , )", ";": "Semicolon ( ; )", "\t": "Tab", "|": "Pipe ( | )" };
const QUOTES: Record<string, string> = { '"': 'Double quote ( " )', "'": "Single quote ( ' )" };
// Select values cannot be empty or null: this stands for "the file uses no quoting".
const NO_QUOTE = "none";
const DECIMALS: Record<string, string> = { ".": "Point ( 1.5 )", ",": "Comma ( 1,5 )" };

const optionsSchema = z.object({
  encoding: z.string().min(1),
  delimiter: z.string().length(1, "One character"),
  quotechar: z.string().min(1),
  has_header: z.boolean(),
  decimal: z.enum([".", ","]),
  custom_nulls: z.boolean(),
  null_markers: z.string().max(2000),
  timezone: z.string().trim().min(1, "Name a time zone, e.g. Europe/Paris"),
});

type OptionsForm = z.infer<typeof optionsSchema>;

const TIME_ZONES: readonly string[] =
  typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC", "Europe/Paris", "America/New_York"];

/** Labels for a choice list, keeping the file's detected value selectable even when unusual. */
function withCurrent(choices: Record<string, string>, current: string): Record<string, string> {
  return current in choices ? choices : { [current]: JSON.stringify(current), ...choices };
}

function OptionSelect({
  id,
  label,
  value,
  onChange,
  choices,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: Record<string, string>;
}) {
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <Select value={value} onValueChange={onChange}>
        <SelectTrigger id={id} data-testid={id}>
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {Object.entries(choices).map(([choice, text]) => (
            <SelectItem key={choice} value={choice}>
              {text}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  );
}

/** The detected CSV dialect, editable; applying it re-profiles the file on the server. */
export function CsvOptionsForm({ file }: { file: UploadedFileRead }) {
  const update = useUpdateFileOptions(file.id);
  const defaults: OptionsForm = {
    encoding: file.encoding,
    delimiter: file.delimiter,
    quotechar: file.quotechar ?? NO_QUOTE,
    has_header: file.has_header,
    decimal: file.decimal === "," ? "," : ".",
    custom_nulls: file.null_markers !== null,
    null_markers: (file.null_markers ?? COMMON_NULL_MARKERS).join(", "),
    timezone: file.timezone,
  };
  const form = useForm<OptionsForm>({ resolver: zodResolver(optionsSchema), values: defaults });
  const customNulls = useWatch({ control: form.control, name: "custom_nulls" });

  const onSubmit = form.handleSubmit((values) => {
    // The corrections made before stay unless changed here: the server detects again what is omitted.
    const changed: CsvOptionsUpdate = {};
    for (const key of ["encoding", "delimiter", "quotechar", "has_header", "decimal", "timezone"] as const) {
      if (values[key] !== defaults[key] && values[key] !== NO_QUOTE) Object.assign(changed, { [key]: values[key] });
    }
    changed.null_markers = values.custom_nulls ? parseNullMarkers(values.null_markers) : undefined;
    update.mutate(withOverrides(file, changed), {
      onSuccess: (updated) =>
        toast.success(`Re-profiled: ${updated.columns.length} columns, ~${formatNumber(updated.row_estimate)} rows`),
    });
  });

  const encodingChoices = Object.fromEntries(
    [...new Set([file.encoding, ...file.encoding_alternatives, ...ENCODINGS])].map((encoding) => [encoding, encoding]),
  );

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="CSV options">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Controller
          control={form.control}
          name="encoding"
          render={({ field }) => (
            <OptionSelect id="csv-option-encoding" label="Encoding" value={field.value} onChange={field.onChange} choices={encodingChoices} />
          )}
        />
        <Controller
          control={form.control}
          name="delimiter"
          render={({ field }) => (
            <OptionSelect
              id="csv-option-delimiter"
              label="Delimiter"
              value={field.value}
              onChange={field.onChange}
              choices={withCurrent(DELIMITERS, file.delimiter)}
            />
          )}
        />
        <Controller
          control={form.control}
          name="quotechar"
          render={({ field }) => (
            <OptionSelect
              id="csv-option-quotechar"
              label="Quote character"
              value={field.value}
              onChange={field.onChange}
              choices={file.quotechar === null ? { [NO_QUOTE]: "None detected", ...QUOTES } : withCurrent(QUOTES, file.quotechar)}
            />
          )}
        />
        <Controller
          control={form.control}
          name="decimal"
          render={({ field }) => (
            <OptionSelect id="csv-option-decimal" label="Decimal separator" value={field.value} onChange={field.onChange} choices={DECIMALS} />
          )}
        />
        <Controller
          control={form.control}
          name="has_header"
          render={({ field }) => (
            <div className="flex flex-col gap-2">
              <Label htmlFor="csv-option-header">First row is a header</Label>
              <div className="flex h-9 items-center gap-2">
                <Switch
                  id="csv-option-header"
                  data-testid="csv-option-header"
                  checked={field.value}
                  onCheckedChange={field.onChange}
                />
                <span className="text-sm text-muted-foreground">{field.value ? "Yes" : "No"}</span>
              </div>
            </div>
          )}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="flex flex-col gap-2">
          <Controller
            control={form.control}
            name="custom_nulls"
            render={({ field }) => (
              <div className="flex items-center gap-2">
                <Switch
                  id="csv-option-custom-nulls"
                  data-testid="csv-option-custom-nulls"
                  checked={field.value}
                  onCheckedChange={field.onChange}
                />
                <Label htmlFor="csv-option-custom-nulls">Choose the NULL markers myself</Label>
              </div>
            )}
          />
          <Label htmlFor="csv-option-null-markers" className="sr-only">
            NULL markers
          </Label>
          <Input
            id="csv-option-null-markers"
            data-testid="csv-option-null-markers"
            className="font-mono"
            disabled={!customNulls}
            aria-describedby="csv-option-null-markers-help"
            {...form.register("null_markers")}
          />
          <p id="csv-option-null-markers-help" className="text-xs text-muted-foreground">
            {customNulls
              ? "Separated by commas; these texts are NULL in every column (an empty cell always is)."
              : "Detected: these common markers are NULL in number, date and boolean columns; text columns keep them."}
          </p>
        </div>
        <div className="flex flex-col gap-2">
          <Label htmlFor="csv-option-timezone">Time zone of timestamps without an offset</Label>
          <Input
            id="csv-option-timezone"
            data-testid="csv-option-timezone"
            className="font-mono"
            list="csv-option-timezones"
            aria-invalid={form.formState.errors.timezone ? true : undefined}
            {...form.register("timezone")}
          />
          <datalist id="csv-option-timezones">
            {TIME_ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <p className="text-xs text-muted-foreground">
            {form.formState.errors.timezone?.message ?? "For TIMESTAMPTZ columns that mix values with and without an offset."}
          </p>
        </div>
      </div>
      {update.isError && <ErrorMessage error={update.error} title="Could not re-profile the file" />}
      <div>
        <Button type="submit" variant="outline" disabled={!form.formState.isDirty || update.isPending} data-testid="reprofile-button">
          <RefreshCwIcon className={update.isPending ? "animate-spin" : undefined} />
          {update.isPending ? "Re-profiling…" : "Apply and re-profile"}
        </Button>
      </div>
    </form>
  );
}
