import { PlusIcon } from "lucide-react";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { CredentialFormDialog } from "@/features/credentials/components/credential-form-dialog";
import type { CredentialRead } from "@/types/api";

/** "New connection" next to a connection picker: opens the credential form and hands back what was created. */
export function NewCredentialButton({ onCreated }: { onCreated: (credential: CredentialRead) => void }) {
  const [open, setOpen] = React.useState(false);
  // A new key per opening: each one starts from an empty form and no earlier test result.
  const [opening, setOpening] = React.useState(0);
  return (
    <>
      <Button
        variant="outline"
        data-testid="new-credential-button"
        onClick={() => {
          setOpening((n) => n + 1);
          setOpen(true);
        }}
      >
        <PlusIcon />
        New connection
      </Button>
      <CredentialFormDialog key={opening} open={open} onOpenChange={setOpen} onSaved={onCreated} />
    </>
  );
}
