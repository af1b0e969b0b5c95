import { PlusIcon, WorkflowIcon } from "lucide-react";
import { Link } from "react-router";

import { PagedList } from "@/components/paged-list";
import { RoleGate } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useJobs } from "@/features/jobs/api/get-jobs";
import { ExecuteJobButton } from "@/features/jobs/components/execute-job-button";
import { SOURCE_TYPE_LABEL, STRATEGY_LABEL } from "@/features/jobs/utils/strategy";
import { formatDateTime } from "@/lib/format";

const NEW_JOB_PATH = "/jobs/new";

/** /jobs — every job, with a one-click run. */
export function JobsPage() {
  const jobs = useJobs({ limit: 500 });

  return (
    <>
      <PageHeader
        title="Jobs"
        description="A job loads a file, arriving files, a query or tables of a database into the destination; run it now or on a schedule."
        actions={
          <RoleGate role="operator">
            <Button asChild>
              <Link to={NEW_JOB_PATH}>
                <PlusIcon />
                New job
              </Link>
            </Button>
          </RoleGate>
        }
      />
      <PagedList
        query={jobs}
        errorTitle="Could not load the jobs"
        loadingRows={4}
        empty={
          <EmptyState
            icon={<WorkflowIcon />}
            title="No jobs yet"
            description="Upload a CSV file, or pick tables or a query of a connection, and the wizard turns it into a job."
            action={
              <RoleGate role="operator">
                <Button asChild>
                  <Link to="/upload">Upload a CSV</Link>
                </Button>
              </RoleGate>
            }
          />
        }
      >
        {(items) => (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="pl-4">Name</TableHead>
                <TableHead className="hidden md:table-cell">Source</TableHead>
                <TableHead className="hidden sm:table-cell">Destination</TableHead>
                <TableHead className="hidden md:table-cell">Strategy</TableHead>
                <TableHead className="hidden lg:table-cell">Updated</TableHead>
                <TableHead className="pr-4 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((job) => (
                <TableRow key={job.id}>
                  <TableCell className="max-w-72 pl-4">
                    <Link to={`/jobs/${job.id}`} className="font-medium text-primary underline-offset-4 hover:underline">
                      {job.name}
                    </Link>
                    {job.description && <p className="truncate text-xs text-muted-foreground">{job.description}</p>}
                  </TableCell>
                  <TableCell className="hidden max-w-64 truncate text-xs md:table-cell" data-testid="job-source" title={job.source_label}>
                    <Badge variant="outline" className="mr-1">
                      {SOURCE_TYPE_LABEL[job.source_type]}
                    </Badge>
                    {job.source_label}
                  </TableCell>
                  <TableCell className="hidden font-mono text-xs sm:table-cell">
                    {job.source_type === "tables"
                      ? `${job.tables.filter((table) => table.include).length} tables in ${job.tables[0]?.target_schema ?? "—"}`
                      : `${job.target_schema}.${job.target_table}`}
                  </TableCell>
                  <TableCell className="hidden md:table-cell">
                    <Badge variant="secondary">{STRATEGY_LABEL[job.strategy]}</Badge>
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap lg:table-cell">{formatDateTime(job.updated_at)}</TableCell>
                  <TableCell className="pr-4 text-right">
                    <RoleGate role="operator">
                      <ExecuteJobButton job={job} size="sm" variant="outline" />
                    </RoleGate>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </PagedList>
    </>
  );
}
