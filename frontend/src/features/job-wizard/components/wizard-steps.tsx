import { CheckIcon } from "lucide-react";

import { cn } from "@/lib/utils";

/** The step list at the top of the wizard; steps already reached can be revisited by click. */
export function WizardSteps({
  steps,
  current,
  reached,
  onSelect,
}: {
  steps: readonly string[];
  current: number;
  reached: number;
  onSelect: (index: number) => void;
}) {
  return (
    <nav aria-label="Wizard steps">
      <ol className="flex flex-wrap gap-2">
        {steps.map((title, index) => {
          const done = index < current;
          const reachable = index <= reached && index !== current;
          return (
            <li key={title} className="flex items-center gap-2">
              <button
                type="button"
                onClick={() => onSelect(index)}
                disabled={!reachable}
                aria-current={index === current ? "step" : undefined}
                data-testid={`wizard-step-link-${index + 1}`}
                className={cn(
                  "flex items-center gap-2 rounded-full border px-3 py-1.5 text-sm transition-colors outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:cursor-default",
                  index === current && "border-primary bg-primary text-primary-foreground",
                  index !== current && reachable && "hover:bg-accent",
                  index > reached && "text-muted-foreground",
                )}
              >
                <span
                  className={cn(
                    "flex size-5 items-center justify-center rounded-full text-xs",
                    index === current ? "bg-primary-foreground/20" : "bg-muted",
                  )}
                  aria-hidden
                >
                  {done ? <CheckIcon className="size-3" /> : index + 1}
                </span>
                {title}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
