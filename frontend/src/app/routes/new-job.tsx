import { NewCredentialButton } from "@/features/credentials/components/new-credential-button";
import { JobWizardPage } from "@/features/job-wizard/components/job-wizard-page";

/** /jobs/new: the wizard, with the credentials feature's form for creating a connection on the way. */
export function NewJobRoute() {
  return <JobWizardPage renderNewCredential={(onCreated) => <NewCredentialButton onCreated={onCreated} />} />;
}
