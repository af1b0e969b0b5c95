import { Checkbox } from "@/components/ui/checkbox";
import { Label } from "@/components/ui/label";
import type { EventType } from "@/features/notifications/types";
import { EMITTED_EVENTS, EVENT_LABEL } from "@/features/notifications/utils/labels";

/** One checkbox per event the portal sends; `idPrefix` keeps ids unique when several lists show. */
export function EventCheckboxes({
  idPrefix,
  value,
  onChange,
  disabled = false,
  labelSuffix = "",
}: {
  idPrefix: string;
  value: readonly EventType[];
  onChange: (events: EventType[]) => void;
  disabled?: boolean;
  labelSuffix?: string;
}) {
  const toggle = (event: EventType, on: boolean) =>
    onChange(EMITTED_EVENTS.filter((e) => (e === event ? on : value.includes(e))));
  return (
    <div className="flex flex-wrap gap-x-4 gap-y-2">
      {EMITTED_EVENTS.map((event) => {
        const id = `${idPrefix}-${event}`;
        return (
          <div key={event} className="flex items-center gap-2">
            <Checkbox
              id={id}
              checked={value.includes(event)}
              disabled={disabled}
              onCheckedChange={(checked) => toggle(event, checked === true)}
              aria-label={`${EVENT_LABEL[event]}${labelSuffix}`}
            />
            <Label htmlFor={id} className="font-normal">
              {EVENT_LABEL[event]}
            </Label>
          </div>
        );
      })}
    </div>
  );
}
