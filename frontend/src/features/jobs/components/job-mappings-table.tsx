import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { ColumnMappingRead, Transform } from "@/types/api";

function transformText({ type, ...args }: Transform): string {
  const values = Object.values(args).map((value) => JSON.stringify(value));
  return values.length ? `${type}(${values.join(", ")})` : type;
}

/** Source column → target column, with its type and what happens to the values on the way. */
export function JobMappingsTable({ mappings }: { mappings: ColumnMappingRead[] }) {
  const ordered = [...mappings].sort((a, b) => a.position - b.position);
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Source</TableHead>
          <TableHead>Target column</TableHead>
          <TableHead>Type</TableHead>
          <TableHead className="hidden sm:table-cell">Transforms</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {ordered.map((mapping) => (
          <TableRow key={mapping.id} className={mapping.include ? undefined : "text-muted-foreground"}>
            <TableCell className="font-mono text-xs">
              {mapping.source_column ?? <span title={mapping.expression ?? undefined}>= {mapping.expression}</span>}
            </TableCell>
            <TableCell className="font-mono text-xs">
              {mapping.include ? mapping.target_column : <span className="line-through">{mapping.target_column}</span>}
              {!mapping.include && <span className="ml-2 font-sans">(excluded)</span>}
            </TableCell>
            <TableCell>
              <Badge variant="outline">{mapping.target_type}</Badge>
            </TableCell>
            <TableCell className="hidden font-mono text-xs sm:table-cell">
              {mapping.transforms.length ? mapping.transforms.map(transformText).join(" → ") : "—"}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
