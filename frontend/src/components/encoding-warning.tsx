import { LanguagesIcon, TriangleAlertIcon } from "lucide-react";
import { toast } from "sonner";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { describeEncoding } from "@/lib/encodings";
import { useUpdateFileOptions, withOverrides } from "@/lib/requests/update-file-options";
import type { UploadedFileRead } from "@/types/api";

/**
 * When the file's encoding is a guess, say so and offer the other readings, each one click away (the
 * file is profiled again with it and every preview refreshes). Once the user picked one, the other
 * readings stay available in a quieter line. Nothing is shown when the bytes decided the encoding.
 */
export function EncodingWarning({ file }: { file: UploadedFileRead }) {
  const update = useUpdateFileOptions(file.id);
  const chosen = file.overrides.encoding ?? null;
  if (!chosen && !file.encoding_low_confidence) return null;
  if (chosen && file.encoding_alternatives.length === 0) return null;

  function readAs(encoding: string | undefined) {
    update.mutate(withOverrides(file, { encoding }), {
      onSuccess: (updated) => toast.success(`Reading ${updated.filename} as ${updated.encoding}`),
    });
  }

  const choices = (
    <div className="flex flex-wrap gap-2">
      {file.encoding_alternatives.map((encoding) => (
        <Button
          key={encoding}
          size="sm"
          variant="outline"
          disabled={update.isPending}
          onClick={() => readAs(encoding)}
          data-testid={`encoding-alternative-${encoding}`}
        >
          <span className="font-mono">{encoding}</span>
          <span className="text-muted-foreground">{describeEncoding(encoding)}</span>
        </Button>
      ))}
      {chosen && (
        <Button size="sm" variant="ghost" disabled={update.isPending} onClick={() => readAs(undefined)}>
          Detect again
        </Button>
      )}
    </div>
  );

  return (
    <div className="flex flex-col gap-2">
      {chosen ? (
        <div className="flex flex-col gap-2 text-sm text-muted-foreground" data-testid="encoding-chosen">
          <p>
            <LanguagesIcon className="mr-1 inline size-4" aria-hidden />
            Read as <span className="font-mono">{chosen}</span> ({describeEncoding(chosen)}), as you chose. Other
            readings:
          </p>
          {choices}
        </div>
      ) : (
        <Alert variant="warning" data-testid="encoding-warning">
          <TriangleAlertIcon />
          <AlertTitle>
            The encoding is a guess: <span className="font-mono">{file.encoding}</span> ({describeEncoding(file.encoding)}),{" "}
            {Math.round(file.encoding_confidence * 100)}% sure
          </AlertTitle>
          <AlertDescription>
            <p>
              If letters look wrong in the preview (è shown as č, ñ as ń, € as something else), read the file in
              another encoding:
            </p>
            {file.encoding_alternatives.length > 0 ? choices : <p>Pick one under “Detected format”.</p>}
          </AlertDescription>
        </Alert>
      )}
      {update.isError && <ErrorMessage error={update.error} title="Could not read the file in that encoding" />}
    </div>
  );
}
