// The variables API's shapes, aliases over the generated OpenAPI types.
import { variableKindValues, type components } from "@/types/api.generated";

type Schemas = components["schemas"];

export type VariableKind = Schemas["VariableKind"];
export type VariableRead = Schemas["VariableRead"];
export type VariableCreate = Schemas["VariableCreate"];
/** PUT body: fields left out keep their value. */
export type VariableUpdate = Schemas["VariableUpdate"];
export type ContextVariableRead = Schemas["ContextVariableRead"];
export type EvaluatedVariable = Schemas["EvaluatedVariable"];
export type RenderRequest = Schemas["RenderRequest"];
export type RenderResult = Schemas["RenderResult"];
export type TemplateKind = RenderRequest["kind"];

export const VARIABLE_KINDS: readonly VariableKind[] = variableKindValues;
