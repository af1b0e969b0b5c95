/** Query keys of the notifications feature (invalidate through these, never a hand-typed key). */
export const notificationKeys = {
  all: () => ["notifications"] as const,
  channels: (params: { offset: number; limit: number }) => ["notifications", "channels", params] as const,
  deliveries: (channelId: number, params: { offset: number; limit: number }) =>
    ["notifications", "deliveries", channelId, params] as const,
  job: (jobId: number) => ["notifications", "job", jobId] as const,
};
