import { CheckCircle2Icon, XCircleIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { toApiError } from "@/lib/api-client";
import type { ConnectionTestResult as Result } from "@/types/api";

/** The outcome of a connection test: server version and latency, or why it failed. */
export function ConnectionTestResult({ result, error }: { result?: Result; error?: unknown }) {
  if (error) {
    return (
      <Alert variant="destructive" data-testid="connection-test-result">
        <XCircleIcon />
        <AlertTitle>Connection failed</AlertTitle>
        <AlertDescription>{toApiError(error).message}</AlertDescription>
      </Alert>
    );
  }
  if (!result) return null;
  const details = [result.server_version, result.latency_ms != null ? `${Math.round(result.latency_ms)} ms` : null]
    .filter(Boolean)
    .join(" · ");
  return (
    <Alert variant={result.ok ? "success" : "destructive"} data-testid="connection-test-result">
      {result.ok ? <CheckCircle2Icon /> : <XCircleIcon />}
      <AlertTitle>{result.ok ? "Connected" : "Connection failed"}</AlertTitle>
      <AlertDescription>
        {/* "connected" says nothing the title does not. */}
        {result.message.toLowerCase() !== "connected" && result.message}
        {details && <span className="text-xs opacity-80">{details}</span>}
      </AlertDescription>
    </Alert>
  );
}
