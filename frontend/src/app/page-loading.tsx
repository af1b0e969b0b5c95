import { Spinner } from "@/components/ui/spinner";

export function PageLoading() {
  return (
    <div className="flex min-h-screen items-center justify-center text-muted-foreground">
      <Spinner className="size-6" />
    </div>
  );
}
