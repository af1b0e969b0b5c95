import type { ComponentType } from "react";

import type { MappingEditorProps } from "@/lib/mapping-rows";
import type { ColumnType, RowTransform } from "@/types/api";

/** What the wizard hands a row transforms editor (the row-transforms feature's, passed in by the app layer). */
export type RowTransformsEditorProps = {
  value: RowTransform[];
  onChange: (transforms: RowTransform[]) => void;
  /** The mapped columns (destination names and types) the transforms read. */
  columns: { name: string; type: ColumnType }[];
};

/** Other features' editors, composed by the app layer (features do not import each other). */
export type WizardEditors = {
  mappingEditor: ComponentType<MappingEditorProps>;
  /** Absent: the row transforms section is not shown. */
  rowTransformsEditor?: ComponentType<RowTransformsEditorProps>;
};
