import { zodResolver } from "@hookform/resolvers/zod";
import { CheckIcon, CopyIcon, TriangleAlertIcon } from "lucide-react";
import * as React from "react";
import { Controller, useForm } from "react-hook-form";
import { z } from "zod";

import { FormField } from "@/components/form-field";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useCreateToken } from "@/features/api-tokens/api/create-token";
import { toApiError } from "@/lib/api-client";
import { invalidProps } from "@/lib/form";
import type { TokenCreated } from "@/types/api";

const NEVER = "never";
const EXPIRY_CHOICES = [
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In a year" },
  { value: NEVER, label: "Never" },
] as const;

const tokenSchema = z.object({
  name: z.string().trim().min(1, "Name the token after what uses it.").max(100),
  expires: z.string(),
});
type TokenForm = z.infer<typeof tokenSchema>;

function ShownOnce({ token, onDone }: { token: TokenCreated; onDone: () => void }) {
  const [copied, setCopied] = React.useState(false);
  const field = React.useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // No clipboard (an insecure page, a denied permission): select it for Ctrl+C.
      field.current?.select();
    }
  };
  return (
    <div className="flex flex-col gap-4">
      <Alert>
        <TriangleAlertIcon />
        <AlertDescription>Copy the token now: it is not shown again. Anyone who has it acts as you.</AlertDescription>
      </Alert>
      <FormField id="token-value" label={`Token ${token.name}`}>
        <div className="flex gap-2">
          <Input
            id="token-value"
            ref={field}
            readOnly
            value={token.token}
            className="font-mono text-xs"
            onFocus={(event) => event.currentTarget.select()}
            data-testid="new-token-value"
          />
          <Button variant="outline" onClick={() => void copy()} aria-label="Copy the token">
            {copied ? <CheckIcon /> : <CopyIcon />}
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
      </FormField>
      <p className="text-xs text-muted-foreground">
        Send it as <code className="font-mono">Authorization: Bearer {token.prefix}…</code>; it has your role.
      </p>
      <DialogFooter>
        <Button onClick={onDone}>Done</Button>
      </DialogFooter>
    </div>
  );
}

/** Names a new personal token, then shows it once with a copy button. */
export function CreateTokenDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const create = useCreateToken();
  const form = useForm<TokenForm>({ resolver: zodResolver(tokenSchema), defaultValues: { name: "", expires: "90" } });
  const { errors } = form.formState;
  const close = () => {
    // The secret leaves memory with the dialog.
    create.reset();
    form.reset();
    onOpenChange(false);
  };

  const onSubmit = form.handleSubmit(({ name, expires }) =>
    create.mutate(
      { name, expires_in_days: expires === NEVER ? null : Number(expires) },
      { onError: (error) => form.setError("root", { message: toApiError(error).message }) },
    ),
  );

  return (
    <Dialog open={open} onOpenChange={(next) => (next ? onOpenChange(true) : close())}>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>{create.data ? "Your new token" : "New API token"}</DialogTitle>
          <DialogDescription>For scripts and automation that call the API as you.</DialogDescription>
        </DialogHeader>
        {create.data ? (
          <ShownOnce token={create.data} onDone={close} />
        ) : (
          <form onSubmit={(event) => void onSubmit(event)} noValidate aria-label="New API token" className="flex flex-col gap-4">
            <FormField id="token-name" label="Name" error={errors.name?.message} hint="For example: nightly export script">
              <Input id="token-name" autoComplete="off" {...form.register("name")} {...invalidProps("token-name", errors.name?.message)} />
            </FormField>
            <Controller
              control={form.control}
              name="expires"
              render={({ field }) => (
                <FormField id="token-expires" label="Expires">
                  <Select value={field.value} onValueChange={field.onChange}>
                    <SelectTrigger id="token-expires" className="w-full">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      {EXPIRY_CHOICES.map((choice) => (
                        <SelectItem key={choice.value} value={choice.value}>
                          {choice.label}
                        </SelectItem>
                      ))}
                    </SelectContent>
                  </Select>
                </FormField>
              )}
            />
            {errors.root && <p className="text-sm text-destructive">{errors.root.message}</p>}
            <DialogFooter>
              <Button variant="outline" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending ? "Creating…" : "Create token"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
