import { Controller, type UseFormReturn } from "react-hook-form";

import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormField } from "@/components/form-field";
import type { CredentialForm } from "@/features/credentials/utils/credential-form";
import { invalidProps } from "@/features/credentials/utils/field-props";
import type { CredentialRead } from "@/types/api";

/** An S3 (or S3-compatible) store: bucket, where it is, and the access key; the secret access key
 * and the session token are write-only. */
export function S3ConnectionFields({ form, credential }: { form: UseFormReturn<CredentialForm>; credential?: CredentialRead }) {
  const { errors } = form.formState;
  const storedToken = credential?.kind === "s3" && credential.secret_names.includes("session_token");
  const storedSecret = credential?.kind === "s3" && credential.has_password;
  return (
    <>
      <FormField id="credential-bucket" label="Bucket" error={errors.bucket?.message} className="sm:col-span-3">
        <Input id="credential-bucket" autoComplete="off" {...form.register("bucket")} {...invalidProps(errors.bucket, "credential-bucket")} />
      </FormField>
      <FormField id="credential-region" label="Region" hint="e.g. eu-west-1; empty: us-east-1" className="sm:col-span-3">
        <Input id="credential-region" autoComplete="off" {...form.register("region")} />
      </FormField>
      <FormField
        id="credential-endpoint"
        label="Endpoint URL"
        error={errors.endpointUrl?.message}
        hint="Only for an S3-compatible store (MinIO, Ceph…); empty: AWS"
        className="sm:col-span-4"
      >
        <Input
          id="credential-endpoint"
          className="font-mono"
          placeholder="https://s3.example.com:9000"
          {...form.register("endpointUrl")}
          {...invalidProps(errors.endpointUrl, "credential-endpoint")}
        />
      </FormField>
      <div className="flex items-end gap-2 pb-2 sm:col-span-2">
        <Controller
          control={form.control}
          name="pathStyle"
          render={({ field }) => (
            <Checkbox id="credential-path-style" checked={field.value} onCheckedChange={(checked) => field.onChange(checked === true)} />
          )}
        />
        <Label htmlFor="credential-path-style">Path-style addressing</Label>
      </div>
      <FormField id="credential-prefix" label="Key prefix" hint="Folder every job writes under; empty: the bucket's root" className="sm:col-span-6">
        <Input id="credential-prefix" className="font-mono" placeholder="exports/portal" {...form.register("prefix")} />
      </FormField>
      <FormField id="credential-username" label="Access key ID" error={errors.username?.message} className="sm:col-span-3">
        <Input id="credential-username" autoComplete="off" {...form.register("username")} {...invalidProps(errors.username, "credential-username")} />
      </FormField>
      <FormField
        id="credential-password"
        label="Secret access key"
        hint={storedSecret ? "Leave empty to keep the stored key." : undefined}
        className="sm:col-span-3"
      >
        <Input
          id="credential-password"
          type="password"
          autoComplete="new-password"
          placeholder={storedSecret ? "unchanged" : undefined}
          {...form.register("password")}
        />
      </FormField>
      <FormField
        id="credential-session-token"
        label="Session token (optional)"
        hint={storedToken ? "Leave empty to keep the stored token." : "For temporary credentials (STS)"}
        className="sm:col-span-6"
      >
        <Input
          id="credential-session-token"
          type="password"
          autoComplete="off"
          placeholder={storedToken ? "unchanged" : undefined}
          {...form.register("sessionToken")}
        />
      </FormField>
      {storedToken && (
        <div className="flex items-center gap-2 sm:col-span-6">
          <Controller
            control={form.control}
            name="clearSessionToken"
            render={({ field }) => (
              <Checkbox id="credential-clear-token" checked={field.value} onCheckedChange={(checked) => field.onChange(checked === true)} />
            )}
          />
          <Label htmlFor="credential-clear-token">Remove the stored session token</Label>
        </div>
      )}
    </>
  );
}
