import { useParams } from "react-router";

import { RoleGate } from "@/components/role-gate";
import { ColumnMappingEditor } from "@/features/column-mapping/components/column-mapping-editor";
import { NewCredentialButton } from "@/features/credentials/components/new-credential-button";
import type { RenderNewCredential } from "@/features/job-wizard/components/destination-step";
import { EditJobPage, JobWizardPage } from "@/features/job-wizard/components/job-wizard-page";
import { RowTransformsEditor } from "@/features/row-transforms/components/row-transforms-editor";

// The wizard composed with the credentials feature's form (a connection made on the way, by an
// admin: only they create connections) and the column-mapping feature's editor: features do not
// import each other, the app layer joins them. The row-transforms feature's editor too.
const renderNewCredential: RenderNewCredential = (onCreated) => (
  <RoleGate role="admin">
    <NewCredentialButton onCreated={onCreated} />
  </RoleGate>
);

/** /jobs/new */
export function NewJobRoute() {
  return (
    <JobWizardPage
      renderNewCredential={renderNewCredential}
      mappingEditor={ColumnMappingEditor}
      rowTransformsEditor={RowTransformsEditor}
    />
  );
}

/** /jobs/:jobId/edit */
export function EditJobRoute() {
  const { jobId } = useParams();
  return (
    <EditJobPage
      jobId={Number(jobId)}
      renderNewCredential={renderNewCredential}
      mappingEditor={ColumnMappingEditor}
      rowTransformsEditor={RowTransformsEditor}
    />
  );
}
