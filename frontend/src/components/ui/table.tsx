import { ChevronsRightIcon } from "lucide-react";
import * as React from "react";

import { useHorizontalOverflow } from "@/hooks/use-horizontal-overflow";
import { cn } from "@/lib/utils";

/**
 * A table that scrolls sideways when it is wider than its place (a phone), with shadows on the
 * edges that hide columns and a "scroll for more" hint, so actions in the last column are found.
 * `containerClassName` styles the scrolling wrapper (e.g. a max height, so a sticky header works).
 */
export function Table({
  className,
  containerClassName,
  ...props
}: React.ComponentProps<"table"> & { containerClassName?: string }) {
  const scroller = React.useRef<HTMLDivElement>(null);
  const { before, after } = useHorizontalOverflow(scroller);
  return (
    <div className="w-full">
      <div className="relative">
        <div
          ref={scroller}
          data-slot="table-container"
          data-overflow={[before && "before", after && "after"].filter(Boolean).join(" ") || undefined}
          // Focusable only when it scrolls, so keyboard users can scroll it too.
          tabIndex={before || after ? 0 : undefined}
          className={cn(
            "relative w-full overflow-x-auto outline-none focus-visible:ring-2 focus-visible:ring-ring",
            containerClassName,
          )}
        >
          <table data-slot="table" className={cn("w-full caption-bottom text-sm", className)} {...props} />
        </div>
        {before && (
          <div aria-hidden className="pointer-events-none absolute inset-y-0 left-0 w-6 bg-gradient-to-r from-black/10 to-transparent" />
        )}
        {after && (
          <div aria-hidden className="pointer-events-none absolute inset-y-0 right-0 w-6 bg-gradient-to-l from-black/10 to-transparent" />
        )}
      </div>
      {after && (
        <p data-testid="table-scroll-hint" className="flex items-center justify-end gap-1 px-2 pt-1 text-xs text-muted-foreground">
          Scroll for more <ChevronsRightIcon className="size-3" aria-hidden />
        </p>
      )}
    </div>
  );
}

export function TableHeader({ className, ...props }: React.ComponentProps<"thead">) {
  return <thead data-slot="table-header" className={cn("[&_tr]:border-b", className)} {...props} />;
}

export function TableBody({ className, ...props }: React.ComponentProps<"tbody">) {
  return <tbody data-slot="table-body" className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
}

export function TableFooter({ className, ...props }: React.ComponentProps<"tfoot">) {
  return (
    <tfoot data-slot="table-footer" className={cn("border-t bg-muted/50 font-medium", className)} {...props} />
  );
}

export function TableRow({ className, ...props }: React.ComponentProps<"tr">) {
  return (
    <tr
      data-slot="table-row"
      className={cn("border-b transition-colors hover:bg-muted/50 data-[state=selected]:bg-muted", className)}
      {...props}
    />
  );
}

export function TableHead({ className, ...props }: React.ComponentProps<"th">) {
  return (
    <th
      data-slot="table-head"
      className={cn("h-10 px-2 text-left align-middle font-medium whitespace-nowrap text-muted-foreground", className)}
      {...props}
    />
  );
}

export function TableCell({ className, ...props }: React.ComponentProps<"td">) {
  return <td data-slot="table-cell" className={cn("p-2 align-middle whitespace-nowrap", className)} {...props} />;
}

export function TableCaption({ className, ...props }: React.ComponentProps<"caption">) {
  return (
    <caption data-slot="table-caption" className={cn("mt-4 text-sm text-muted-foreground", className)} {...props} />
  );
}
