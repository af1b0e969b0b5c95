import { zodResolver } from "@hookform/resolvers/zod";
import { AlertCircleIcon, DatabaseIcon, LogInIcon } from "lucide-react";
import { useForm } from "react-hook-form";
import { useNavigate, useSearchParams } from "react-router";
import { z } from "zod";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useProviders } from "@/features/auth/api/get-providers";
import { useLogin } from "@/features/auth/api/login";
import { describeLoginError, describeLoginFailure } from "@/features/auth/utils/login-errors";
import { apiUrl, safeNextPath, toApiError } from "@/lib/api-client";

const loginSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address."),
  password: z.string().min(1, "Enter your password."),
});
type LoginForm = z.infer<typeof loginSchema>;

/** /login — email and password, or single sign-on when the portal has it; then back to `?next=`. */
export function LoginPage() {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNextPath(search.get("next"));
  const ssoError = search.get("error");
  const providers = useProviders();
  const login = useLogin();
  const form = useForm<LoginForm>({ resolver: zodResolver(loginSchema), defaultValues: { email: "", password: "" } });
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit((values) =>
    login.mutate(values, { onSuccess: () => void navigate(next, { replace: true }) }),
  );
  const oidc = providers.data?.oidc;
  const failure = login.isError ? describeLoginFailure(toApiError(login.error)) : ssoError ? describeLoginError(ssoError) : null;

  return (
    <main className="flex min-h-screen items-center justify-center bg-muted/40 p-4">
      <Card className="w-full max-w-sm">
        <CardHeader>
          <div className="mb-2 flex items-center gap-2 font-semibold">
            <DatabaseIcon className="size-5 text-primary" aria-hidden />
            ETL Portal
          </div>
          <h1 className="text-xl leading-none font-semibold">Log in</h1>
          <CardDescription>
            {next === "/" ? "Use your portal account." : "Your session has ended: log in to go back to the page you were on."}
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          {failure && (
            <Alert variant="destructive" data-testid="login-error">
              <AlertCircleIcon />
              <AlertDescription>{failure}</AlertDescription>
            </Alert>
          )}
          <form onSubmit={(event) => void onSubmit(event)} noValidate aria-label="Log in" className="flex flex-col gap-4">
            <div>
              <Label htmlFor="login-email" className="mb-1.5">
                Email
              </Label>
              <Input
                id="login-email"
                type="email"
                autoComplete="username"
                autoFocus
                aria-invalid={errors.email ? true : undefined}
                aria-describedby={errors.email ? "login-email-error" : undefined}
                {...form.register("email")}
              />
              {errors.email && (
                <p id="login-email-error" className="mt-1 text-xs text-destructive">
                  {errors.email.message}
                </p>
              )}
            </div>
            <div>
              <Label htmlFor="login-password" className="mb-1.5">
                Password
              </Label>
              <Input
                id="login-password"
                type="password"
                autoComplete="current-password"
                aria-invalid={errors.password ? true : undefined}
                aria-describedby={errors.password ? "login-password-error" : undefined}
                {...form.register("password")}
              />
              {errors.password && (
                <p id="login-password-error" className="mt-1 text-xs text-destructive">
                  {errors.password.message}
                </p>
              )}
            </div>
            <Button type="submit" disabled={login.isPending || login.isSuccess}>
              <LogInIcon />
              {login.isPending ? "Logging in…" : "Log in"}
            </Button>
          </form>
          {oidc?.enabled && (
            <>
              <div className="flex items-center gap-2 text-xs text-muted-foreground">
                <span className="h-px flex-1 bg-border" />
                or
                <span className="h-px flex-1 bg-border" />
              </div>
              <Button variant="outline" asChild>
                <a href={apiUrl(`/auth/oidc/login?next=${encodeURIComponent(next)}`)}>
                  Log in with {oidc.name || "single sign-on"}
                </a>
              </Button>
            </>
          )}
        </CardContent>
      </Card>
    </main>
  );
}
