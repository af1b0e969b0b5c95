import { useMutation, useQueryClient } from "@tanstack/react-query";

import { createJob } from "@/lib/requests/create-job";
import { queryKeys } from "@/lib/query-keys";
import type { ColumnMapping, JobCreate, JobRead } from "@/types/api";

/** A saved job's mappings as a request sends them (ids and positions are the server's). */
export function mappingsOf(job: JobRead): ColumnMapping[] {
  return [...job.mappings]
    .sort((a, b) => a.position - b.position)
    .map(({ source_column, target_column, target_type, include, transforms, expression }) => ({
      source_column,
      target_column,
      target_type,
      include,
      transforms,
      expression,
    }));
}

/** The POST /jobs body of a copy: every setting, table and mapping, named "Copy of …". */
export function copyOf(job: JobRead): JobCreate {
  return {
    name: `Copy of ${job.name}`.slice(0, 200),
    description: job.description ?? null,
    source_type: job.source_type,
    file_id: job.file_id ?? null,
    source_credential_id: job.source_credential_id ?? null,
    source_query: job.source_query ?? null,
    source_pattern: job.source_pattern ?? null,
    source_options: job.source_options ?? {},
    max_parallel_tables: job.max_parallel_tables,
    row_transforms: job.row_transforms ?? [],
    destination_options: job.destination_options ?? null,
    drift_policy: job.drift_policy,
    credential_id: job.credential_id,
    target_schema: job.target_schema ?? null,
    target_table: job.target_table ?? null,
    create_table: job.create_table,
    strategy: job.strategy,
    upsert_keys: job.upsert_keys ?? [],
    batch_size: job.batch_size,
    reject_threshold_count: job.reject_threshold_count ?? null,
    reject_threshold_percent: job.reject_threshold_percent ?? null,
    max_retries: job.max_retries,
    retry_delay_seconds: job.retry_delay_seconds,
    max_rows_per_second: job.max_rows_per_second ?? null,
    allow_concurrent_runs: job.allow_concurrent_runs,
    mappings: mappingsOf(job),
    // The copy's tables are new rows: no ids.
    tables: job.tables.map(({ id: _id, position: _position, mappings, ...table }) => ({
      ...table,
      mappings: [...mappings]
        .sort((x, y) => x.position - y.position)
        .map(({ source_column, target_column, target_type, include, transforms, expression }) => ({
          source_column,
          target_column,
          target_type,
          include,
          transforms,
          expression,
        })),
    })),
  };
}

/** Clone a job: the API has no copy endpoint, so the copy is created from the job's own values. */
export function useCloneJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (job: JobRead) => createJob(copyOf(job)),
    onSuccess: (copy) => {
      queryClient.setQueryData(queryKeys.jobs.detail(copy.id), copy);
      return queryClient.invalidateQueries({ queryKey: queryKeys.jobs.list() });
    },
  });
}
