import { readdirSync } from "node:fs";

import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import reactRefresh from "eslint-plugin-react-refresh";
import globals from "globals";
import tseslint from "typescript-eslint";

// Code flows one way: app → features → shared (components, hooks, lib, types). A feature never
// imports another feature (the app layer composes them: src/app/routes) nor the app layer; shared
// code imports no feature and no app code. One `no-restricted-imports` per layer says so; ESLint
// replaces (does not merge) a rule's options per file, so every layer's list repeats the common part.
const FEATURES = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const RELATIVE_EXIT = {
  group: ["../../*"],
  message: "Use the @/ alias for imports that leave a folder.",
};
const APP = { group: ["@/app", "@/app/*"], message: "Only the app layer imports the app layer." };

function restrictedImports(...patterns) {
  return { "no-restricted-imports": ["error", { patterns: [RELATIVE_EXIT, ...patterns] }] };
}

const featureBlocks = FEATURES.flatMap((feature) => {
  const others = {
    group: ["@/features/*", `!@/features/${feature}`, `!@/features/${feature}/*`],
    message:
      "Features do not import each other: move shared code to src/components, src/hooks or src/lib, or compose the features in src/app.",
  };
  // A file directly in the feature's folder leaves the feature with one "..".
  const up = { group: ["../*"], message: "Use the @/ alias for imports that leave a folder." };
  return [
    { files: [`src/features/${feature}/**/*.{ts,tsx}`], rules: restrictedImports(APP, others) },
    { files: [`src/features/${feature}/*.{ts,tsx}`], rules: restrictedImports(APP, others, up) },
  ];
});

export default tseslint.config(
  { ignores: ["dist", "node_modules", "playwright-report", "test-results"] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ["**/*.{ts,tsx}"],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser, ...globals.node } },
    plugins: { "react-hooks": reactHooks, "react-refresh": reactRefresh },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "react-refresh/only-export-components": ["warn", { allowConstantExport: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      ...restrictedImports(),
    },
  },
  ...featureBlocks,
  {
    files: ["src/components/**", "src/hooks/**", "src/lib/**", "src/types/**"],
    rules: restrictedImports(APP, {
      group: ["@/features", "@/features/*"],
      message: "Shared code does not import features: pass what it needs in.",
    }),
  },
  {
    // shadcn-style ui files export variants next to components; tests and setup are not HMR modules.
    files: ["src/components/ui/**", "src/testing/**", "**/*.test.tsx", "src/app/**"],
    rules: { "react-refresh/only-export-components": "off" },
  },
);
