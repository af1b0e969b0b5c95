import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { notificationKeys } from "@/features/notifications/api/keys";
import type { JobNotifications, JobNotificationsUpdate } from "@/features/notifications/types";
import { api } from "@/lib/api-client";

export async function getJobNotifications(jobId: number): Promise<JobNotifications> {
  const { data } = await api.get<JobNotifications>(`/jobs/${jobId}/notifications`);
  return data;
}

export function getJobNotificationsQueryOptions(jobId: number) {
  return queryOptions({ queryKey: notificationKeys.job(jobId), queryFn: () => getJobNotifications(jobId) });
}

export function useJobNotifications(jobId: number) {
  return useQuery(getJobNotificationsQueryOptions(jobId));
}

/** Replaces the job's whole set of subscriptions. */
export async function setJobNotifications({
  jobId,
  body,
}: {
  jobId: number;
  body: JobNotificationsUpdate;
}): Promise<JobNotifications> {
  const { data } = await api.put<JobNotifications>(`/jobs/${jobId}/notifications`, body);
  return data;
}

export function useSetJobNotifications() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setJobNotifications,
    onSuccess: (saved) => queryClient.setQueryData(notificationKeys.job(saved.job_id), saved),
  });
}
