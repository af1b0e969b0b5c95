import { zodResolver } from "@hookform/resolvers/zod";
import { PlugZapIcon, PlusIcon } from "lucide-react";
import * as React from "react";
import { Controller, useForm, useWatch } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useCreateCredential } from "@/features/job-wizard/api/create-credential";
import { useTestCredential } from "@/features/job-wizard/api/test-credential";
import { ConnectionTestResult } from "@/features/job-wizard/components/connection-test-result";
import type { CredentialCreate, CredentialRead } from "@/types/api";

const DEFAULT_PORTS = { postgres: 5432, redshift: 5439 } as const;

const credentialSchema = z
  .object({
    name: z.string().trim().min(1, "Name the connection."),
    kind: z.enum(["postgres", "redshift", "duckdb"]),
    host: z.string().trim(),
    port: z.number({ error: "Enter a port." }).int().min(1).max(65535),
    database: z.string().trim(),
    username: z.string().trim(),
    password: z.string(),
    sslmode: z.enum(["disable", "prefer", "require"]),
    path: z.string().trim(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === "duckdb") {
      if (!v.path) ctx.addIssue({ code: "custom", path: ["path"], message: "Enter the database file path." });
      return;
    }
    for (const field of ["host", "database", "username"] as const) {
      if (!v[field]) ctx.addIssue({ code: "custom", path: [field], message: "Required." });
    }
  });

type CredentialForm = z.infer<typeof credentialSchema>;

const EMPTY: CredentialForm = {
  name: "",
  kind: "postgres",
  host: "",
  port: 5432,
  database: "",
  username: "",
  password: "",
  sslmode: "prefer",
  path: "",
};

function toCreate(v: CredentialForm): CredentialCreate {
  if (v.kind === "duckdb") return { name: v.name, kind: v.kind, options: { path: v.path } };
  return {
    name: v.name,
    kind: v.kind,
    host: v.host,
    port: v.port,
    database: v.database,
    username: v.username,
    password: v.password || null,
    options: { sslmode: v.sslmode },
  };
}

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {error && (
        <p className="text-xs text-destructive" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** Create a destination connection without leaving the wizard; test it before saving. */
export function NewCredentialDialog({ onCreated }: { onCreated: (credential: CredentialRead) => void }) {
  const [open, setOpen] = React.useState(false);
  const create = useCreateCredential();
  const test = useTestCredential();
  const form = useForm<CredentialForm>({ resolver: zodResolver(credentialSchema), defaultValues: EMPTY });
  const kind = useWatch({ control: form.control, name: "kind" });
  const errors = form.formState.errors;

  const onSave = form.handleSubmit((values) =>
    create.mutate(toCreate(values), {
      onSuccess: (credential) => {
        toast.success(`Connection “${credential.name}” saved`);
        setOpen(false);
        form.reset(EMPTY);
        test.reset();
        onCreated(credential);
      },
    }),
  );
  const onTest = form.handleSubmit((values) => test.mutate(toCreate(values)));

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="new-credential-button">
          <PlusIcon />
          New connection
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>New connection</DialogTitle>
          <DialogDescription>The password is stored encrypted and never shown again.</DialogDescription>
        </DialogHeader>
        <form
          id="new-credential-form"
          className="grid gap-4 sm:grid-cols-2"
          onSubmit={(event) => {
            // The dialog is portalled but React still bubbles submit to the wizard's form.
            event.stopPropagation();
            void onSave(event);
          }}
          noValidate
        >
          <div className="sm:col-span-2">
            <Field id="credential-name" label="Name" error={errors.name?.message}>
              <Input id="credential-name" {...form.register("name")} aria-invalid={errors.name ? true : undefined} />
            </Field>
          </div>
          <div className="sm:col-span-2">
            <Field id="credential-kind" label="Kind">
              <Controller
                control={form.control}
                name="kind"
                render={({ field }) => (
                  <Select
                    value={field.value}
                    onValueChange={(value) => {
                      field.onChange(value);
                      if (value === "postgres" || value === "redshift") form.setValue("port", DEFAULT_PORTS[value]);
                    }}
                  >
                    <SelectTrigger id="credential-kind">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      <SelectItem value="postgres">PostgreSQL</SelectItem>
                      <SelectItem value="redshift">Amazon Redshift</SelectItem>
                      <SelectItem value="duckdb">DuckDB file</SelectItem>
                    </SelectContent>
                  </Select>
                )}
              />
            </Field>
          </div>
          {kind === "duckdb" ? (
            <div className="sm:col-span-2">
              <Field id="credential-path" label="Database file path" error={errors.path?.message}>
                <Input id="credential-path" placeholder="/data/warehouse.duckdb" {...form.register("path")} />
              </Field>
            </div>
          ) : (
            <>
              <Field id="credential-host" label="Host" error={errors.host?.message}>
                <Input id="credential-host" {...form.register("host")} />
              </Field>
              <Field id="credential-port" label="Port" error={errors.port?.message}>
                <Input id="credential-port" type="number" {...form.register("port", { valueAsNumber: true })} />
              </Field>
              <Field id="credential-database" label="Database" error={errors.database?.message}>
                <Input id="credential-database" {...form.register("database")} />
              </Field>
              <Field id="credential-username" label="User" error={errors.username?.message}>
                <Input id="credential-username" autoComplete="off" {...form.register("username")} />
              </Field>
              <Field id="credential-password" label="Password">
                <Input id="credential-password" type="password" autoComplete="new-password" {...form.register("password")} />
              </Field>
              <Field id="credential-sslmode" label="SSL">
                <Controller
                  control={form.control}
                  name="sslmode"
                  render={({ field }) => (
                    <Select value={field.value} onValueChange={field.onChange}>
                      <SelectTrigger id="credential-sslmode">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        <SelectItem value="disable">disable</SelectItem>
                        <SelectItem value="prefer">prefer</SelectItem>
                        <SelectItem value="require">require</SelectItem>
                      </SelectContent>
                    </Select>
                  )}
                />
              </Field>
            </>
          )}
        </form>
        <ConnectionTestResult result={test.data} error={test.error ?? undefined} />
        {create.isError && <ErrorMessage error={create.error} title="Could not save the connection" />}
        <DialogFooter>
          <Button variant="outline" onClick={() => void onTest()} disabled={test.isPending}>
            <PlugZapIcon />
            {test.isPending ? "Testing…" : "Test connection"}
          </Button>
          <Button type="submit" form="new-credential-form" disabled={create.isPending}>
            {create.isPending ? "Saving…" : "Save connection"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
