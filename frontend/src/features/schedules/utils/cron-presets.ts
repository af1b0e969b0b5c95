export type CronPreset = { id: string; label: string; cron: string };

export const CRON_PRESETS: readonly CronPreset[] = [
  { id: "minute", label: "Every minute", cron: "* * * * *" },
  { id: "five-minutes", label: "Every 5 minutes", cron: "*/5 * * * *" },
  { id: "hour", label: "Every hour", cron: "0 * * * *" },
  { id: "day", label: "Every day at midnight", cron: "0 0 * * *" },
  { id: "monday", label: "Every Monday at 9:00", cron: "0 9 * * 1" },
];

export const CUSTOM = "custom";

/** The preset a cron expression is, or `custom`. */
export function presetOf(cron: string): string {
  const normalized = cron.trim().replace(/\s+/g, " ");
  return CRON_PRESETS.find((preset) => preset.cron === normalized)?.id ?? CUSTOM;
}
