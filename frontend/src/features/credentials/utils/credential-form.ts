import { z } from "zod";

import type { CredentialCreate, CredentialKind, CredentialRead, CredentialUpdate } from "@/types/api";

export const KIND_LABEL: Record<CredentialKind, string> = {
  postgres: "PostgreSQL",
  redshift: "Amazon Redshift",
  duckdb: "DuckDB file",
  mysql: "MySQL / MariaDB",
  sqlserver: "SQL Server (untested live)",
  oracle: "Oracle (untested live)",
};

export const DEFAULT_PORT: Partial<Record<CredentialKind, string>> = {
  postgres: "5432",
  redshift: "5439",
  mysql: "3306",
  sqlserver: "1433",
  oracle: "1521",
};

export const SSL_MODES = ["prefer", "require", "verify-ca", "verify-full", "disable"] as const;

export const credentialFormSchema = z
  .object({
    name: z.string().trim().min(1, "Give the connection a name").max(200),
    kind: z.enum(["postgres", "redshift", "duckdb", "mysql", "sqlserver", "oracle"]),
    host: z.string().trim(),
    port: z.string().trim(),
    database: z.string().trim(),
    username: z.string().trim(),
    password: z.string(),
    path: z.string().trim(),
    sslmode: z.enum(SSL_MODES),
  })
  .superRefine((values, ctx) => {
    if (values.kind === "duckdb") {
      if (!values.path) ctx.addIssue({ code: "custom", path: ["path"], message: "The DuckDB database file is required" });
      return;
    }
    for (const field of ["host", "database", "username"] as const) {
      if (!values[field]) ctx.addIssue({ code: "custom", path: [field], message: "Required" });
    }
    const port = Number(values.port);
    if (values.port && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      ctx.addIssue({ code: "custom", path: ["port"], message: "A port is a number from 1 to 65535" });
    }
  });

export type CredentialForm = z.infer<typeof credentialFormSchema>;

export function formDefaults(credential?: CredentialRead): CredentialForm {
  const kind = credential?.kind ?? "postgres";
  const sslmode = credential?.options.sslmode;
  return {
    name: credential?.name ?? "",
    kind,
    host: credential?.host ?? "",
    port: credential?.port != null ? String(credential.port) : (DEFAULT_PORT[kind] ?? ""),
    database: credential?.database ?? "",
    username: credential?.username ?? "",
    // Never shown back: an empty field on edit keeps the stored password.
    password: "",
    path: typeof credential?.options.path === "string" ? credential.options.path : "",
    sslmode: SSL_MODES.find((mode) => mode === sslmode) ?? "prefer",
  };
}

/** The connection part of the form as the API takes it; `password` only when typed. */
export function connectionBody(values: CredentialForm, previous?: CredentialRead): Omit<CredentialCreate, "name"> {
  const options = { ...previous?.options };
  if (values.kind === "duckdb") {
    delete options.sslmode;
    return { kind: values.kind, options: { ...options, path: values.path } };
  }
  delete options.path;
  return {
    kind: values.kind,
    host: values.host,
    port: values.port ? Number(values.port) : null,
    database: values.database,
    username: values.username,
    ...(values.password ? { password: values.password } : {}),
    options: { ...options, sslmode: values.sslmode },
  };
}

export function createBody(values: CredentialForm): CredentialCreate {
  return { name: values.name, ...connectionBody(values) };
}

export function updateBody(values: CredentialForm, previous: CredentialRead): CredentialUpdate {
  return { name: values.name, ...connectionBody(values, previous) };
}
