import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { useResetPassword } from "@/features/users/api/reset-password";
import { MIN_PASSWORD_LENGTH } from "@/lib/accounts";
import { toApiError } from "@/lib/api-client";
import { invalidProps } from "@/lib/form";
import type { UserRead } from "@/types/api";

const resetSchema = z.object({
  new_password: z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`),
});
type ResetForm = z.infer<typeof resetSchema>;

/** An admin sets a new password for someone who lost theirs; their sessions end. */
export function ResetPasswordDialog({ user, onClose }: { user: UserRead | null; onClose: () => void }) {
  const reset = useResetPassword();
  const form = useForm<ResetForm>({ resolver: zodResolver(resetSchema), defaultValues: { new_password: "" } });
  const { errors } = form.formState;
  const close = () => {
    form.reset();
    onClose();
  };

  const onSubmit = form.handleSubmit(({ new_password }) => {
    if (!user) return;
    reset.mutate(
      { id: user.id, newPassword: new_password },
      {
        onSuccess: () => {
          toast.success(`New password set for ${user.name}`, { description: "Their sessions were logged out." });
          close();
        },
        onError: (error) => form.setError("root", { message: toApiError(error).message }),
      },
    );
  });

  return (
    <Dialog open={user !== null} onOpenChange={(open) => !open && close()}>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>Reset the password of {user?.name}</DialogTitle>
          <DialogDescription>
            {user?.email} is logged out everywhere and logs in with the new password, which you pass on.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={(event) => void onSubmit(event)} noValidate aria-label="Reset password" className="flex flex-col gap-4">
          <FormField id="reset-password" label="New password" error={errors.new_password?.message} hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
            <Input
              id="reset-password"
              type="password"
              autoComplete="new-password"
              {...form.register("new_password")}
              {...invalidProps("reset-password", errors.new_password?.message)}
            />
          </FormField>
          {errors.root && <p className="text-sm text-destructive">{errors.root.message}</p>}
          <DialogFooter>
            <Button variant="outline" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" disabled={reset.isPending}>
              {reset.isPending ? "Saving…" : "Set password"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
