import { Controller, useWatch, type UseFormReturn } from "react-hook-form";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Textarea } from "@/components/ui/textarea";
import { FormField } from "@/components/form-field";
import type { CredentialForm } from "@/features/credentials/utils/credential-form";
import { invalidProps } from "@/features/credentials/utils/field-props";
import type { CredentialRead } from "@/types/api";

const AUTH_LABEL: Record<CredentialForm["auth"], string> = {
  password: "A password",
  key: "A pasted private key",
  key_file: "A private key file on the server",
};

/** A Snowflake account: where to load, and a password or a key pair (PEM pasted or a file on the
 * server under KEY_DIR, with an optional passphrase); secrets are write-only. */
export function SnowflakeConnectionFields({ form, credential }: { form: UseFormReturn<CredentialForm>; credential?: CredentialRead }) {
  const { errors } = form.formState;
  const auth = useWatch({ control: form.control, name: "auth" });
  const stored = credential?.kind === "snowflake" ? credential.secret_names : [];
  const keep = (what: string) => `Leave empty to keep the stored ${what}.`;
  return (
    <>
      <FormField
        id="credential-account"
        label="Account"
        error={errors.account?.message}
        hint="The account identifier, e.g. myorg-account1 or xy12345.eu-west-1"
        className="sm:col-span-3"
      >
        <Input id="credential-account" autoComplete="off" {...form.register("account")} {...invalidProps(errors.account, "credential-account")} />
      </FormField>
      <FormField id="credential-warehouse" label="Warehouse" className="sm:col-span-3">
        <Input id="credential-warehouse" autoComplete="off" {...form.register("warehouse")} />
      </FormField>
      <FormField id="credential-database" label="Database" error={errors.database?.message} className="sm:col-span-2">
        <Input id="credential-database" autoComplete="off" {...form.register("database")} {...invalidProps(errors.database, "credential-database")} />
      </FormField>
      <FormField id="credential-schema" label="Default schema" className="sm:col-span-2">
        <Input id="credential-schema" autoComplete="off" {...form.register("schema")} />
      </FormField>
      <FormField id="credential-role" label="Role" className="sm:col-span-2">
        <Input id="credential-role" autoComplete="off" {...form.register("role")} />
      </FormField>
      <FormField id="credential-username" label="User" error={errors.username?.message} className="sm:col-span-6">
        <Input id="credential-username" autoComplete="off" {...form.register("username")} {...invalidProps(errors.username, "credential-username")} />
      </FormField>
      <fieldset className="sm:col-span-6">
        <legend className="mb-1.5 text-sm font-medium">Sign in with</legend>
        <Controller
          control={form.control}
          name="auth"
          render={({ field }) => (
            <RadioGroup value={field.value} onValueChange={field.onChange} className="flex flex-wrap gap-4">
              {(Object.keys(AUTH_LABEL) as CredentialForm["auth"][]).map((value) => (
                <div key={value} className="flex items-center gap-2">
                  <RadioGroupItem id={`credential-auth-${value}`} value={value} />
                  <Label htmlFor={`credential-auth-${value}`}>{AUTH_LABEL[value]}</Label>
                </div>
              ))}
            </RadioGroup>
          )}
        />
      </fieldset>
      {auth === "password" && (
        <FormField
          id="credential-password"
          label="Password"
          hint={credential?.kind === "snowflake" && credential.has_password ? keep("password") : undefined}
          className="sm:col-span-6"
        >
          <Input id="credential-password" type="password" autoComplete="new-password" {...form.register("password")} />
        </FormField>
      )}
      {auth === "key" && (
        <FormField
          id="credential-private-key"
          label="Private key (PEM)"
          hint={stored.includes("private_key") ? keep("key") : "-----BEGIN PRIVATE KEY----- … (PKCS#8 or PKCS#1, encrypted or not)"}
          className="sm:col-span-6"
        >
          <Textarea id="credential-private-key" className="font-mono text-xs" rows={4} autoComplete="off" spellCheck={false} {...form.register("privateKey")} />
        </FormField>
      )}
      {auth === "key_file" && (
        <FormField
          id="credential-private-key-path"
          label="Private key file"
          error={errors.privateKeyPath?.message}
          hint="A file in the server's key directory (KEY_DIR), read at each use"
          className="sm:col-span-6"
        >
          <Input
            id="credential-private-key-path"
            className="font-mono"
            placeholder="loader.p8"
            {...form.register("privateKeyPath")}
            {...invalidProps(errors.privateKeyPath, "credential-private-key-path")}
          />
        </FormField>
      )}
      {auth !== "password" && (
        <FormField
          id="credential-passphrase"
          label="Key passphrase (optional)"
          hint={stored.includes("private_key_passphrase") ? keep("passphrase") : "Only for an encrypted key"}
          className="sm:col-span-6"
        >
          <Input id="credential-passphrase" type="password" autoComplete="off" {...form.register("passphrase")} />
        </FormField>
      )}
      <FormField id="credential-host" label="Host (optional)" hint="Only to reach Snowflake through a proxy or private link" className="sm:col-span-4">
        <Input id="credential-host" autoComplete="off" placeholder="<account>.snowflakecomputing.com" {...form.register("host")} />
      </FormField>
      <FormField id="credential-port" label="Port" error={errors.port?.message} className="sm:col-span-2">
        <Input id="credential-port" inputMode="numeric" placeholder="443" {...form.register("port")} />
      </FormField>
    </>
  );
}
