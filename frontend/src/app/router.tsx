import { createBrowserRouter, type RouteObject } from "react-router";

import { AppLayout } from "@/app/layout";
import { PageLoading } from "@/app/page-loading";
import { RequireRole } from "@/app/require-role";
import { NotFound, RouteError } from "@/app/route-error";

// Pages are loaded on demand so the first screen does not pay for the chart library or the wizard.
export const routes: RouteObject[] = [
  {
    // Outside the layout: no session needed.
    path: "login",
    errorElement: <RouteError />,
    hydrateFallbackElement: <PageLoading />,
    lazy: async () => ({ Component: (await import("@/features/auth/components/login-page")).LoginPage }),
  },
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    // Shown while the first page's code loads (pages are lazy).
    hydrateFallbackElement: <PageLoading />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          {
            index: true,
            lazy: async () => ({
              Component: (await import("@/features/dashboard/components/dashboard-page")).DashboardPage,
            }),
          },
          {
            path: "upload",
            lazy: async () => ({ Component: (await import("@/features/upload/components/upload-page")).UploadPage }),
          },
          {
            path: "files/:fileId",
            lazy: async () => ({
              Component: (await import("@/features/preview/components/preview-page")).PreviewPage,
            }),
          },
          {
            element: <RequireRole role="operator" />,
            children: [
              {
                path: "jobs/new",
                lazy: async () => ({
                  Component: (await import("@/app/routes/new-job")).NewJobRoute,
                }),
              },
              {
                path: "jobs/:jobId/edit",
                lazy: async () => ({
                  Component: (await import("@/app/routes/new-job")).EditJobRoute,
                }),
              },
            ],
          },
          {
            path: "jobs",
            lazy: async () => ({ Component: (await import("@/features/jobs/components/jobs-page")).JobsPage }),
          },
          {
            path: "jobs/:jobId",
            lazy: async () => ({ Component: (await import("@/app/routes/job-detail")).JobDetailRoute }),
          },
          {
            path: "runs",
            lazy: async () => ({ Component: (await import("@/features/job-runs/components/runs-page")).RunsPage }),
          },
          {
            path: "runs/:runId",
            lazy: async () => ({
              Component: (await import("@/features/job-runs/components/run-detail-page")).RunDetailPage,
            }),
          },
          {
            path: "credentials",
            lazy: async () => ({
              Component: (await import("@/features/credentials/components/credentials-page")).CredentialsPage,
            }),
          },
          {
            path: "connections/:credentialId/browse",
            lazy: async () => ({
              Component: (await import("@/features/database-browser/components/database-browser-page")).DatabaseBrowserPage,
            }),
          },
          {
            path: "schedules",
            lazy: async () => ({
              Component: (await import("@/features/schedules/components/schedules-page")).SchedulesPage,
            }),
          },
          {
            path: "notifications",
            lazy: async () => ({
              Component: (await import("@/features/notifications/components/channels-page")).ChannelsPage,
            }),
          },
          {
            path: "variables",
            lazy: async () => ({
              Component: (await import("@/features/variables/components/variables-page")).VariablesPage,
            }),
          },
          {
            path: "tokens",
            lazy: async () => ({
              Component: (await import("@/features/api-tokens/components/tokens-page")).TokensPage,
            }),
          },
          {
            element: <RequireRole role="admin" />,
            children: [
              {
                path: "users",
                lazy: async () => ({ Component: (await import("@/features/users/components/users-page")).UsersPage }),
              },
              {
                path: "audit",
                lazy: async () => ({ Component: (await import("@/features/audit/components/audit-page")).AuditPage }),
              },
            ],
          },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
];

export const router = createBrowserRouter(routes);
