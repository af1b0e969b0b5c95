import { AlertCircleIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ErrorMessage } from "@/components/ui/error-message";
import { toApiError } from "@/lib/api-client";

/** A refused save, each problem once: the job API's 422 message repeats every problem in one line,
 * so it is shown only when it says something the list does not. */
export function SaveError({ error, title }: { error: unknown; title: string }) {
  const apiError = toApiError(error);
  const problems = apiError.problems;
  if (problems.length === 0) return <ErrorMessage error={error} title={title} />;
  const repeats = problems.every((problem) => apiError.message.includes(problem.message));
  return (
    <Alert variant="destructive" data-testid="save-problems">
      <AlertCircleIcon />
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription>
        {!repeats && <p>{apiError.message}</p>}
        <ul className="list-disc pl-4">
          {problems.map((problem, index) => (
            <li key={index}>
              {problem.field && <span className="font-mono">{problem.field}: </span>}
              {problem.message}
            </li>
          ))}
        </ul>
      </AlertDescription>
    </Alert>
  );
}
