import { ExternalLinkIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
import { useConfig } from "@/lib/requests/get-config";

/** The run's task log in the Airflow UI (`path` is relative to the configured Airflow UI address). */
export function AirflowLogLink({ path }: { path: string }) {
  const config = useConfig();
  if (!config.data) return null;
  const href = `${config.data.airflow_ui_url.replace(/\/+$/, "")}${path}`;
  return (
    <Button variant="outline" size="sm" asChild>
      <a href={href} target="_blank" rel="noreferrer" data-testid="airflow-log-link">
        <ExternalLinkIcon />
        Airflow task log
      </a>
    </Button>
  );
}
