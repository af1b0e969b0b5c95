import * as React from "react";

export type HorizontalOverflow = { before: boolean; after: boolean };

const NONE: HorizontalOverflow = { before: false, after: false };

/** Whether a horizontally scrolling element hides content to its left or right (1 px of slack for rounding). */
export function useHorizontalOverflow(ref: React.RefObject<HTMLElement | null>): HorizontalOverflow {
  const [overflow, setOverflow] = React.useState<HorizontalOverflow>(NONE);

  React.useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => {
      const hidden = element.scrollWidth - element.clientWidth;
      const next = { before: hidden > 1 && element.scrollLeft > 1, after: hidden > 1 && element.scrollLeft < hidden - 1 };
      setOverflow((current) => (current.before === next.before && current.after === next.after ? current : next));
    };
    measure();
    element.addEventListener("scroll", measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => {
      element.removeEventListener("scroll", measure);
      observer.disconnect();
    };
  }, [ref]);

  return overflow;
}
