import { z } from "zod";

import type { CredentialCreate, CredentialKind, CredentialRead, CredentialUpdate } from "@/types/api";

export const KIND_LABEL: Record<CredentialKind, string> = {
  postgres: "PostgreSQL",
  redshift: "Amazon Redshift",
  duckdb: "DuckDB file",
  mysql: "MySQL / MariaDB",
  sqlserver: "SQL Server (untested live)",
  oracle: "Oracle (untested live)",
  s3: "Amazon S3 / S3-compatible",
  snowflake: "Snowflake",
};

export const DEFAULT_PORT: Partial<Record<CredentialKind, string>> = {
  postgres: "5432",
  redshift: "5439",
  mysql: "3306",
  sqlserver: "1433",
  oracle: "1521",
};

export const SSL_MODES = ["prefer", "require", "verify-ca", "verify-full", "disable"] as const;
export const SNOWFLAKE_AUTH = ["password", "key", "key_file"] as const;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export const credentialFormSchema = z
  .object({
    name: z.string().trim().min(1, "Give the connection a name").max(200),
    kind: z.enum(["postgres", "redshift", "duckdb", "mysql", "sqlserver", "oracle", "s3", "snowflake"]),
    host: z.string().trim(),
    port: z.string().trim(),
    database: z.string().trim(),
    username: z.string().trim(),
    password: z.string(),
    path: z.string().trim(),
    sslmode: z.enum(SSL_MODES),
    // PostgreSQL only: the one kind that can be a source, a destination or both (the others have one usage).
    usage: z.enum(["destination", "source", "both"]),
    // S3: the access key id is `username`, the secret access key `password`; `prefix` is options.path.
    bucket: z.string().trim(),
    region: z.string().trim(),
    endpointUrl: z.string().trim(),
    pathStyle: z.boolean(),
    prefix: z.string().trim(),
    sessionToken: z.string(),
    clearSessionToken: z.boolean(),
    // Snowflake
    account: z.string().trim(),
    warehouse: z.string().trim(),
    role: z.string().trim(),
    schema: z.string().trim(),
    auth: z.enum(SNOWFLAKE_AUTH),
    privateKey: z.string(),
    privateKeyPath: z.string().trim(),
    passphrase: z.string(),
  })
  .superRefine((values, ctx) => {
    const required = (field: keyof typeof values, message = "Required") => {
      if (!values[field]) ctx.addIssue({ code: "custom", path: [field], message });
    };
    if (values.kind === "duckdb") {
      required("path", "The DuckDB database file is required");
      return;
    }
    if (values.kind === "s3") {
      if (!BUCKET.test(values.bucket)) {
        ctx.addIssue({ code: "custom", path: ["bucket"], message: "A bucket name: 3-63 of a-z, 0-9, . and -" });
      }
      if (values.endpointUrl && !isHttpUrl(values.endpointUrl)) {
        ctx.addIssue({ code: "custom", path: ["endpointUrl"], message: "An http(s) URL, e.g. https://s3.example.com:9000" });
      }
      required("username");
      return;
    }
    if (values.kind === "snowflake") {
      required("account");
      required("database");
      required("username");
      if (values.auth === "key_file") required("privateKeyPath");
      return;
    }
    for (const field of ["host", "database", "username"] as const) required(field);
    const port = Number(values.port);
    if (values.port && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      ctx.addIssue({ code: "custom", path: ["port"], message: "A port is a number from 1 to 65535" });
    }
  });

export type CredentialForm = z.infer<typeof credentialFormSchema>;

function option(credential: CredentialRead | undefined, name: string): string {
  const value = credential?.options[name];
  return typeof value === "string" ? value : "";
}

function snowflakeAuth(credential?: CredentialRead): CredentialForm["auth"] {
  if (option(credential, "private_key_path")) return "key_file";
  if (credential?.secret_names.includes("private_key")) return "key";
  return "password";
}

export function formDefaults(credential?: CredentialRead): CredentialForm {
  const kind = credential?.kind ?? "postgres";
  const sslmode = credential?.options.sslmode;
  return {
    name: credential?.name ?? "",
    kind,
    host: kind === "s3" ? "" : (credential?.host ?? ""),
    port: kind !== "s3" && credential?.port != null ? String(credential.port) : (DEFAULT_PORT[kind] ?? ""),
    database: credential?.database ?? "",
    username: credential?.username ?? "",
    // Never shown back: an empty field on edit keeps the stored password (and secrets).
    password: "",
    path: typeof credential?.options.path === "string" && kind === "duckdb" ? credential.options.path : "",
    sslmode: SSL_MODES.find((mode) => mode === sslmode) ?? "prefer",
    usage: credential?.usage ?? "destination",
    bucket: option(credential, "bucket"),
    region: option(credential, "region"),
    endpointUrl: option(credential, "endpoint_url"),
    pathStyle: credential?.options.path_style === true,
    prefix: kind === "s3" ? option(credential, "path") : "",
    sessionToken: "",
    clearSessionToken: false,
    account: option(credential, "account"),
    warehouse: option(credential, "warehouse"),
    role: option(credential, "role"),
    schema: option(credential, "schema"),
    auth: snowflakeAuth(credential),
    privateKey: "",
    privateKeyPath: option(credential, "private_key_path"),
    passphrase: "",
  };
}

/** Options of the other kinds go; the ones the form does not edit (e.g. a Redshift S3 stage) stay. */
function keptOptions(previous: CredentialRead | undefined, kind: CredentialKind, owned: string[]): Record<string, unknown> {
  if (!previous || previous.kind !== kind) return {};
  return Object.fromEntries(Object.entries(previous.options).filter(([key]) => !owned.includes(key)));
}

function withoutEmpty(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

type SecretChanges = NonNullable<CredentialUpdate["secrets"]>;

/** The connection part of the form as the API takes it; the password and secrets only when typed
 * (or, on edit, explicitly removed). */
export function connectionBody(
  values: CredentialForm,
  previous?: CredentialRead,
): Omit<CredentialCreate, "name" | "secrets"> & { secrets?: SecretChanges } {
  const password = values.password ? { password: values.password } : {};
  if (values.kind === "duckdb") {
    return { kind: values.kind, options: { ...keptOptions(previous, "duckdb", ["path", "sslmode"]), path: values.path } };
  }
  if (values.kind === "s3") {
    const secrets: SecretChanges = {};
    if (values.sessionToken) secrets.session_token = values.sessionToken;
    else if (values.clearSessionToken && previous?.secret_names.includes("session_token")) secrets.session_token = null;
    return {
      kind: "s3",
      username: values.username,
      ...password,
      options: {
        ...keptOptions(previous, "s3", ["bucket", "region", "endpoint_url", "path_style", "path"]),
        ...withoutEmpty({ bucket: values.bucket, region: values.region, endpoint_url: values.endpointUrl, path: values.prefix }),
        path_style: values.pathStyle,
      },
      ...(Object.keys(secrets).length ? { secrets } : {}),
    };
  }
  if (values.kind === "snowflake") {
    const secrets: SecretChanges = {};
    const stored = previous?.kind === "snowflake" ? previous.secret_names : [];
    if (values.auth === "key" && values.privateKey) secrets.private_key = values.privateKey;
    if (values.auth !== "password" && values.passphrase) secrets.private_key_passphrase = values.passphrase;
    // Signing in another way: the stored key (and its passphrase) go.
    if (values.auth !== "key" && stored.includes("private_key")) secrets.private_key = null;
    if (values.auth === "password" && stored.includes("private_key_passphrase")) secrets.private_key_passphrase = null;
    const port = values.port ? Number(values.port) : null;
    return {
      kind: "snowflake",
      host: values.host || null,
      port: values.host ? port : null,
      database: values.database,
      username: values.username,
      ...(values.auth === "password" ? password : {}),
      options: {
        ...keptOptions(previous, "snowflake", ["account", "warehouse", "role", "schema", "private_key_path"]),
        ...withoutEmpty({ account: values.account, warehouse: values.warehouse, role: values.role, schema: values.schema }),
        ...(values.auth === "key_file" ? { private_key_path: values.privateKeyPath } : {}),
      },
      ...(Object.keys(secrets).length ? { secrets } : {}),
    };
  }
  return {
    kind: values.kind,
    host: values.host,
    port: values.port ? Number(values.port) : null,
    database: values.database,
    username: values.username,
    ...password,
    ...(values.kind === "postgres" ? { usage: values.usage } : {}),
    options: { ...keptOptions(previous, values.kind, ["path", "sslmode"]), sslmode: values.sslmode },
  };
}

/** The connection as tried out or created: secrets typed only, never a removal (nothing is stored). */
export function unsavedBody(values: CredentialForm, previous?: CredentialRead): Omit<CredentialCreate, "name"> {
  const { secrets, ...body } = connectionBody(values, previous);
  const typed = Object.fromEntries(Object.entries(secrets ?? {}).filter(([, value]) => value != null)) as CredentialCreate["secrets"];
  return { ...body, ...(typed && Object.keys(typed).length ? { secrets: typed } : {}) };
}

export function createBody(values: CredentialForm): CredentialCreate {
  return { name: values.name, ...unsavedBody(values) };
}

export function updateBody(values: CredentialForm, previous: CredentialRead): CredentialUpdate {
  return { name: values.name, ...connectionBody(values, previous) };
}
