import { zodResolver } from "@hookform/resolvers/zod";
import { Controller, useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useCreateUser } from "@/features/users/api/create-user";
import { ROLE_HINT } from "@/features/users/utils/roles";
import { MIN_PASSWORD_LENGTH } from "@/lib/accounts";
import { toApiError } from "@/lib/api-client";
import { invalidProps } from "@/lib/form";
import { ROLE_LABEL } from "@/lib/roles";
import { ROLES, type Role } from "@/types/api";

const userSchema = z.object({
  email: z.email("Enter an email address.").trim(),
  name: z.string().trim().min(1, "Enter the person's name.").max(200),
  role: z.enum(["viewer", "operator", "admin"]),
  password: z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`),
});
type UserForm = z.infer<typeof userSchema>;

/** An admin adds a person with a first password they pass on (the person can change it after logging in). */
export function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const create = useCreateUser();
  const form = useForm<UserForm>({
    resolver: zodResolver(userSchema),
    defaultValues: { email: "", name: "", role: "viewer", password: "" },
  });
  const { errors } = form.formState;
  const close = () => {
    form.reset();
    create.reset();
    onOpenChange(false);
  };

  const onSubmit = form.handleSubmit((values) =>
    create.mutate(values, {
      onSuccess: (user) => {
        toast.success(`${user.name} can log in now`, { description: `${user.email} · ${ROLE_LABEL[user.role]}` });
        close();
      },
      onError: (error) => {
        const apiError = toApiError(error);
        if (apiError.status === 409) form.setError("email", { message: "A user with this email already exists." });
        else form.setError("root", { message: apiError.message });
      },
    }),
  );

  return (
    <Dialog open={open} onOpenChange={(next) => (next ? onOpenChange(true) : close())}>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>New user</DialogTitle>
          <DialogDescription>They log in with this email and password; tell them to change the password.</DialogDescription>
        </DialogHeader>
        <form onSubmit={(event) => void onSubmit(event)} noValidate aria-label="New user" className="flex flex-col gap-4">
          <FormField id="user-email" label="Email" error={errors.email?.message}>
            <Input id="user-email" type="email" autoComplete="off" {...form.register("email")} {...invalidProps("user-email", errors.email?.message)} />
          </FormField>
          <FormField id="user-name" label="Name" error={errors.name?.message}>
            <Input id="user-name" autoComplete="off" {...form.register("name")} {...invalidProps("user-name", errors.name?.message)} />
          </FormField>
          <Controller
            control={form.control}
            name="role"
            render={({ field }) => (
              <FormField id="user-role" label="Role" hint={ROLE_HINT[field.value]}>
                <Select value={field.value} onValueChange={(value) => field.onChange(value as Role)}>
                  <SelectTrigger id="user-role" className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {ROLES.map((role) => (
                      <SelectItem key={role} value={role}>
                        {ROLE_LABEL[role]}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
            )}
          />
          <FormField
            id="user-password"
            label="First password"
            error={errors.password?.message}
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          >
            <Input
              id="user-password"
              type="password"
              autoComplete="new-password"
              {...form.register("password")}
              {...invalidProps("user-password", errors.password?.message)}
            />
          </FormField>
          {errors.root && <p className="text-sm text-destructive">{errors.root.message}</p>}
          <DialogFooter>
            <Button variant="outline" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create user"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
