import { FileIcon } from "lucide-react";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

/** The files a run published (object keys on S3, files elsewhere), in the order written. */
export function RunOutputsCard({ outputs }: { outputs: string[] }) {
  return (
    <Card data-testid="run-outputs">
      <CardHeader>
        <CardTitle>Files written</CardTitle>
        <CardDescription>{outputs.length === 1 ? "1 file" : `${outputs.length} files`} published by this run.</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="flex max-h-64 flex-col gap-1 overflow-auto">
          {outputs.map((key) => (
            <li key={key} className="flex items-center gap-2 font-mono text-xs break-all">
              <FileIcon className="size-3.5 shrink-0 text-muted-foreground" aria-hidden />
              {key}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
