import { zodResolver } from "@hookform/resolvers/zod";
import { PlugZapIcon } from "lucide-react";
import { Controller, useForm, useWatch } from "react-hook-form";
import { toast } from "sonner";

import { ConnectionTestResult } from "@/components/connection-test-result";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useCreateCredential } from "@/features/credentials/api/create-credential";
import { useTestConnection } from "@/features/credentials/api/test-connection";
import { useUpdateCredential } from "@/features/credentials/api/update-credential";
import { FormField } from "@/components/form-field";
import { S3ConnectionFields } from "@/features/credentials/components/s3-connection-fields";
import { SnowflakeConnectionFields } from "@/features/credentials/components/snowflake-connection-fields";
import {
  createBody,
  credentialFormSchema,
  DEFAULT_PORT,
  formDefaults,
  KIND_LABEL,
  SSL_MODES,
  unsavedBody,
  updateBody,
  type CredentialForm,
} from "@/features/credentials/utils/credential-form";
import type { CredentialKind, CredentialRead } from "@/types/api";

/** Create (no `credential`) or edit a destination connection; the password is write-only.
 * Mount it with a `key` per credential so each opening starts from that credential's values.
 * The credentials page and the job wizard (composed by the app layer) both use it. */
export function CredentialFormDialog({
  credential,
  open,
  onOpenChange,
  onSaved,
}: {
  credential?: CredentialRead;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved?: (credential: CredentialRead) => void;
}) {
  const editing = credential !== undefined;
  const form = useForm<CredentialForm>({
    resolver: zodResolver(credentialFormSchema),
    defaultValues: formDefaults(credential),
  });
  const create = useCreateCredential();
  const update = useUpdateCredential();
  const test = useTestConnection();
  const save = editing ? update : create;
  const kind = useWatch({ control: form.control, name: "kind" });
  const password = useWatch({ control: form.control, name: "password" });
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit((values) => {
    const done = (saved: CredentialRead) => {
      toast.success(`${saved.name} ${editing ? "saved" : "created"}`);
      onOpenChange(false);
      onSaved?.(saved);
    };
    if (editing) update.mutate({ id: credential.id, body: updateBody(values, credential) }, { onSuccess: done });
    else create.mutate(createBody(values), { onSuccess: done });
  });

  const onTest = form.handleSubmit((values) => test.mutate(unsavedBody(values, credential)));

  const invalid = (name: keyof CredentialForm) =>
    errors[name] ? { "aria-invalid": true, "aria-describedby": `credential-${name}-error` } : {};

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-xl">
        <DialogHeader>
          <DialogTitle>{editing ? `Edit ${credential.name}` : "New connection"}</DialogTitle>
          <DialogDescription>
            A source or destination of the portal's jobs. Passwords, keys and tokens are stored encrypted and never shown again.
          </DialogDescription>
        </DialogHeader>
        <form
          onSubmit={(event) => {
            // The dialog is portalled, but React still bubbles submit to a form around it (the wizard's).
            event.stopPropagation();
            void onSubmit(event);
          }}
          className="grid gap-4 sm:grid-cols-6" noValidate aria-label="Connection">
          <FormField id="credential-name" label="Name" error={errors.name?.message} className="sm:col-span-4">
            <Input id="credential-name" autoComplete="off" {...form.register("name")} {...invalid("name")} />
          </FormField>
          <FormField id="credential-kind" label="Kind" className="sm:col-span-2">
            <Controller
              control={form.control}
              name="kind"
              render={({ field }) => (
                <Select
                  value={field.value}
                  onValueChange={(value) => {
                    const next = value as CredentialKind;
                    field.onChange(next);
                    // Follow the kind's usual port unless the user typed another one.
                    const port = form.getValues("port");
                    if (!port || Object.values(DEFAULT_PORT).includes(port)) form.setValue("port", DEFAULT_PORT[next] ?? "");
                    test.reset();
                  }}
                >
                  <SelectTrigger id="credential-kind">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {(Object.keys(KIND_LABEL) as CredentialKind[]).map((option) => (
                      <SelectItem key={option} value={option}>
                        {KIND_LABEL[option]}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              )}
            />
          </FormField>

          {kind === "s3" ? (
            <S3ConnectionFields form={form} credential={credential} />
          ) : kind === "snowflake" ? (
            <SnowflakeConnectionFields form={form} credential={credential} />
          ) : kind === "duckdb" ? (
            <FormField
              id="credential-path"
              label="Database file"
              error={errors.path?.message}
              hint="Path on the server, e.g. /data/warehouse.duckdb"
              className="sm:col-span-6"
            >
              <Input id="credential-path" className="font-mono" {...form.register("path")} {...invalid("path")} />
            </FormField>
          ) : (
            <>
              <FormField id="credential-host" label="Host" error={errors.host?.message} className="sm:col-span-4">
                <Input id="credential-host" autoComplete="off" {...form.register("host")} {...invalid("host")} />
              </FormField>
              <FormField id="credential-port" label="Port" error={errors.port?.message} className="sm:col-span-2">
                <Input id="credential-port" inputMode="numeric" {...form.register("port")} {...invalid("port")} />
              </FormField>
              <FormField id="credential-database" label="Database" error={errors.database?.message} className="sm:col-span-3">
                <Input id="credential-database" autoComplete="off" {...form.register("database")} {...invalid("database")} />
              </FormField>
              <FormField id="credential-sslmode" label="SSL" className="sm:col-span-3">
                <Controller
                  control={form.control}
                  name="sslmode"
                  render={({ field }) => (
                    <Select value={field.value} onValueChange={field.onChange}>
                      <SelectTrigger id="credential-sslmode">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {SSL_MODES.map((mode) => (
                          <SelectItem key={mode} value={mode}>
                            {mode}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  )}
                />
              </FormField>
              {kind === "postgres" && (
                <FormField id="credential-usage" label="Used as" className="sm:col-span-6">
                  <Controller
                    control={form.control}
                    name="usage"
                    render={({ field }) => (
                      <Select value={field.value} onValueChange={field.onChange}>
                        <SelectTrigger id="credential-usage">
                          <SelectValue />
                        </SelectTrigger>
                        <SelectContent>
                          <SelectItem value="destination">A destination (jobs load into it)</SelectItem>
                          <SelectItem value="source">A source (jobs read its tables or queries)</SelectItem>
                          <SelectItem value="both">Both</SelectItem>
                        </SelectContent>
                      </Select>
                    )}
                  />
                </FormField>
              )}
              <FormField id="credential-username" label="User" error={errors.username?.message} className="sm:col-span-3">
                <Input id="credential-username" autoComplete="off" {...form.register("username")} {...invalid("username")} />
              </FormField>
              <FormField
                id="credential-password"
                label="Password"
                className="sm:col-span-3"
                hint={editing && credential.has_password ? "Leave empty to keep the stored password." : undefined}
              >
                <Input
                  id="credential-password"
                  type="password"
                  autoComplete="new-password"
                  placeholder={editing && credential.has_password ? "unchanged" : undefined}
                  {...form.register("password")}
                />
              </FormField>
            </>
          )}

          <div className="flex flex-col gap-3 sm:col-span-6" aria-live="polite">
            <ConnectionTestResult result={test.data} />
            {editing && credential.has_password && kind !== "duckdb" && !password && (
              <p className="text-xs text-muted-foreground">
                Testing here uses the password typed above; to test the stored one, use Test on the list.
              </p>
            )}
            {test.isError && <ErrorMessage title="Could not test the connection" error={test.error} />}
            {save.isError && <ErrorMessage title="Could not save the connection" error={save.error} />}
          </div>

          <DialogFooter className="sm:col-span-6">
            <Button variant="outline" onClick={() => void onTest()} disabled={test.isPending}>
              <PlugZapIcon />
              {test.isPending ? "Testing…" : "Test connection"}
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing ? "Save" : "Create"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
