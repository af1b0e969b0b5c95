import { z } from "zod";

// Parsed once at start-up so a bad value fails loudly instead of surfacing as odd requests later.
const envSchema = z.object({
  VITE_API_BASE_URL: z.string().min(1).default("/api/v1"),
});

export const env = envSchema.parse({
  VITE_API_BASE_URL: import.meta.env.VITE_API_BASE_URL as string | undefined,
});
