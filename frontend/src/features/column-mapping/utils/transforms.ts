import type { Transform, TransformType } from "@/types/api";

// Argument names follow etl_engine.spec.Transform.
export const TRANSFORM_ARGS: Record<TransformType, { name: string; label: string }[]> = {
  upper: [],
  lower: [],
  trim: [],
  replace: [
    { name: "old", label: "Replace" },
    { name: "new", label: "With" },
  ],
  prefix: [{ name: "value", label: "Prefix" }],
  suffix: [{ name: "value", label: "Suffix" }],
  default: [{ name: "value", label: "Value when empty" }],
  cast: [{ name: "type", label: "Type" }],
};

export const TRANSFORM_LABELS: Record<TransformType, string> = {
  upper: "UPPER CASE",
  lower: "lower case",
  trim: "Trim spaces",
  replace: "Replace text",
  prefix: "Add prefix",
  suffix: "Add suffix",
  default: "Default for empty",
  cast: "Cast",
};

export function describeTransform(transform: Transform): string {
  const label = TRANSFORM_LABELS[transform.type];
  const args = TRANSFORM_ARGS[transform.type].map((arg) => JSON.stringify(transform[arg.name] ?? ""));
  return args.length ? `${label} ${args.join(" → ")}` : label;
}
