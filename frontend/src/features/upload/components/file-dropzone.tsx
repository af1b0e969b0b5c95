import { FileUpIcon } from "lucide-react";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { ACCEPTED_EXTENSIONS } from "@/features/upload/utils/check-file";
import { formatBytes } from "@/lib/format";
import { cn } from "@/lib/utils";

/** Drop a file on the area or pick it with the button (keyboard users); hands the File upward. */
export function FileDropzone({
  onFile,
  maxBytes,
  disabled = false,
}: {
  onFile: (file: File) => void;
  maxBytes: number | undefined;
  disabled?: boolean;
}) {
  const inputRef = React.useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = React.useState(false);

  function take(files: FileList | null) {
    const file = files?.[0];
    if (file) onFile(file);
  }

  return (
    <div
      data-testid="upload-dropzone"
      aria-label="Drop a CSV file here"
      role="region"
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        if (!disabled) take(event.dataTransfer.files);
      }}
      className={cn(
        "flex flex-col items-center justify-center gap-3 rounded-xl border-2 border-dashed p-10 text-center transition-colors",
        dragging ? "border-primary bg-primary/5" : "border-input",
        disabled && "opacity-60",
      )}
    >
      <FileUpIcon className="size-10 text-muted-foreground" aria-hidden />
      <div>
        <p className="font-medium">Drag and drop a CSV file here</p>
        <p className="text-sm text-muted-foreground">
          {ACCEPTED_EXTENSIONS.join(", ")}
          {maxBytes !== undefined && ` · up to ${formatBytes(maxBytes)}`}
        </p>
      </div>
      <Button onClick={() => inputRef.current?.click()} disabled={disabled}>
        Choose a file
      </Button>
      <input
        ref={inputRef}
        type="file"
        data-testid="upload-input"
        aria-label="CSV file"
        accept={[...ACCEPTED_EXTENSIONS, "text/csv"].join(",")}
        className="sr-only"
        tabIndex={-1}
        disabled={disabled}
        onChange={(event) => {
          take(event.target.files);
          // Picking the same file again after an error must fire onChange again.
          event.target.value = "";
        }}
      />
    </div>
  );
}
