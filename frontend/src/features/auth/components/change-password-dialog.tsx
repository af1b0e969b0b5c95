import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { useChangePassword } from "@/features/auth/api/change-password";
import { MIN_PASSWORD_LENGTH } from "@/lib/accounts";
import { toApiError } from "@/lib/api-client";
import { invalidProps } from "@/lib/form";

const passwordSchema = z
  .object({
    current_password: z.string().min(1, "Enter your current password."),
    new_password: z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`),
    confirm: z.string(),
  })
  .refine((values) => values.confirm === values.new_password, { path: ["confirm"], message: "The passwords differ." })
  .refine((values) => values.new_password !== values.current_password, {
    path: ["new_password"],
    message: "Choose a password different from the current one.",
  });
type PasswordForm = z.infer<typeof passwordSchema>;

/** The signed-in user's own password; the server ends their other sessions. */
export function ChangePasswordDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const change = useChangePassword();
  const form = useForm<PasswordForm>({
    resolver: zodResolver(passwordSchema),
    defaultValues: { current_password: "", new_password: "", confirm: "" },
  });
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit(({ current_password, new_password }) =>
    change.mutate(
      { current_password, new_password },
      {
        onSuccess: () => {
          toast.success("Password changed", { description: "Your other sessions were logged out." });
          form.reset();
          onOpenChange(false);
        },
        onError: (error) => {
          const apiError = toApiError(error);
          if (apiError.status === 401) form.setError("current_password", { message: "This is not your current password." });
          else form.setError("root", { message: apiError.message });
        },
      },
    ),
  );

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) form.reset();
        onOpenChange(next);
      }}
    >
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>Change password</DialogTitle>
          <DialogDescription>Your other browser sessions are logged out; this one stays.</DialogDescription>
        </DialogHeader>
        <form onSubmit={(event) => void onSubmit(event)} noValidate aria-label="Change password" className="flex flex-col gap-4">
          <FormField id="password-current" label="Current password" error={errors.current_password?.message}>
            <Input
              id="password-current"
              type="password"
              autoComplete="current-password"
              {...form.register("current_password")}
              {...invalidProps("password-current", errors.current_password?.message)}
            />
          </FormField>
          <FormField
            id="password-new"
            label="New password"
            error={errors.new_password?.message}
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          >
            <Input
              id="password-new"
              type="password"
              autoComplete="new-password"
              {...form.register("new_password")}
              {...invalidProps("password-new", errors.new_password?.message)}
            />
          </FormField>
          <FormField id="password-confirm" label="New password again" error={errors.confirm?.message}>
            <Input
              id="password-confirm"
              type="password"
              autoComplete="new-password"
              {...form.register("confirm")}
              {...invalidProps("password-confirm", errors.confirm?.message)}
            />
          </FormField>
          {errors.root && <p className="text-sm text-destructive">{errors.root.message}</p>}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={change.isPending}>
              {change.isPending ? "Saving…" : "Change password"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
