import type { ApiError } from "@/lib/api-client";

// What `/login?error=<code>` means: the single sign-on callback sends the browser back with one.
const SSO_ERRORS: Record<string, string> = {
  access_denied: "The identity provider did not let you in, or the sign-in was cancelled.",
  invalid_state: "The single sign-on attempt expired or was started in another tab. Try again.",
  oidc_failed: "Single sign-on failed: the identity provider's answer could not be verified. Try again.",
  oidc_error: "Single sign-on failed: the identity provider's answer could not be verified. Try again.",
  token_exchange_failed: "Single sign-on failed: the identity provider did not complete the sign-in. Try again.",
  invalid_token: "Single sign-on failed: the identity provider's answer could not be verified. Try again.",
  missing_email: "Your identity provider account has no verified email address, which the portal needs.",
  email_not_verified: "Your identity provider account has no verified email address, which the portal needs.",
  no_role: "Your account has no role for this portal. Ask an administrator for access.",
  role_missing: "Your account has no role for this portal. Ask an administrator for access.",
  user_inactive: "Your account is deactivated. Ask an administrator to reactivate it.",
  inactive: "Your account is deactivated. Ask an administrator to reactivate it.",
  account_conflict: "A password account already uses this email address. Log in with your password instead.",
  oidc_not_configured: "Single sign-on is not set up on this portal.",
  session_expired: "Your session has ended. Log in again.",
};

/** A readable sentence for the `error` query parameter, whatever code it carries. */
export function describeLoginError(code: string): string {
  const known = SSO_ERRORS[code.toLowerCase()];
  if (known) return known;
  const words = code.replace(/[_-]+/g, " ").trim();
  return `Single sign-on failed (${words || "unknown error"}). Try again, or log in with your password.`;
}

/** The login form's failure in words: wrong credentials, too many attempts (with the wait), or the server's message. */
export function describeLoginFailure(error: ApiError): string {
  if (error.status === 401) return "Wrong email or password.";
  if (error.status === 429) {
    const wait = (error.details as { retry_after_seconds?: unknown } | null | undefined)?.retry_after_seconds;
    if (typeof wait === "number" && wait > 0) {
      const minutes = Math.ceil(wait / 60);
      return `Too many failed attempts. Try again in ${wait < 60 ? `${Math.ceil(wait)} seconds` : `${minutes} minute${minutes === 1 ? "" : "s"}`}.`;
    }
    return "Too many failed attempts. Wait a few minutes and try again.";
  }
  return error.message;
}
