import { Button } from "@/components/ui/button";

type OffsetPagerProps = {
  offset: number;
  pageSize: number;
  total: number;
  /** One past the last row shown. */
  end: number;
  onOffsetChange: (offset: number) => void;
};

/** Previous / Next under a list paged by offset; nothing when everything fits on one page. */
export function OffsetPager({ offset, pageSize, total, end, onOffsetChange }: OffsetPagerProps) {
  if (total <= pageSize) return null;
  return (
    <div className="flex justify-end gap-2">
      <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => onOffsetChange(Math.max(0, offset - pageSize))}>
        Previous
      </Button>
      <Button variant="outline" size="sm" disabled={end >= total} onClick={() => onOffsetChange(offset + pageSize)}>
        Next
      </Button>
    </div>
  );
}
