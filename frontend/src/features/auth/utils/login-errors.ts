import type { ApiError } from "@/lib/api-client";

// What `/login?error=<code>` means: the single sign-on callback sends the browser back with one
// (backend portal/auth/oidc.py).
const SSO_ERRORS: Record<string, string> = {
  oidc_state_invalid: "The single sign-on attempt expired or was started in another tab. Try again.",
  oidc_unavailable: "The identity provider could not be reached. Try again in a moment.",
  oidc_provider_error: "The identity provider refused or cancelled the sign-in. Try again.",
  oidc_token_invalid: "The identity provider's answer could not be verified, so you were not logged in.",
  oidc_email_missing: "Your identity provider account has no email address, which the portal needs.",
  oidc_email_unverified: "Your identity provider says your email address is not verified.",
  oidc_account_conflict: "Another account already uses this email address. Log in with your password, or ask an admin.",
  oidc_no_role: "Your account has no role for this portal. Ask an admin for access.",
  account_inactive: "Your account is deactivated. Ask an admin to reactivate it.",
  access_denied: "The sign-in was cancelled at the identity provider.",
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
