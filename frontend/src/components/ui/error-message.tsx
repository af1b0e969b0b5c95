import { AlertCircleIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { toApiError } from "@/lib/api-client";

/** An API failure as the user reads it: the server's message, and a retry when it may help. */
export function ErrorMessage({
  error,
  title = "Something went wrong",
  onRetry,
  className,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  className?: string;
}) {
  const apiError = toApiError(error);
  return (
    <Alert variant="destructive" className={className}>
      <AlertCircleIcon />
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription>
        <p>{apiError.message}</p>
        {apiError.problems.length > 0 && (
          <ul className="list-disc pl-4">
            {apiError.problems.map((problem, index) => (
              <li key={index}>
                {problem.field && <span className="font-mono">{problem.field}: </span>}
                {problem.message}
              </li>
            ))}
          </ul>
        )}
        {onRetry && (
          <Button variant="outline" size="sm" onClick={onRetry} className="mt-1">
            Try again
          </Button>
        )}
      </AlertDescription>
    </Alert>
  );
}
