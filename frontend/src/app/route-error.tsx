import { isRouteErrorResponse, Link, useRouteError } from "react-router";

import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";

/** Shown in place of a page that threw while rendering or loading, keeping the nav usable. */
export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-4 p-6">
      <ErrorMessage error={error} title="This page failed to load" onRetry={() => window.location.reload()} />
    </div>
  );
}

export function NotFound() {
  return (
    <div className="mx-auto flex max-w-xl flex-col items-start gap-3 p-6">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="text-muted-foreground">There is nothing at this address.</p>
      <Button asChild variant="outline">
        <Link to="/">Back to the dashboard</Link>
      </Button>
    </div>
  );
}
