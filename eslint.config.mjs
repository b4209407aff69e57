// The lint gate (npm run lint, part of npm test). Type-aware: a floating promise in a provider or a
// CLI is a lost error or an exit before the work is done, so every promise is awaited or handled.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", "test-output/", ".tools/", "policy/node_modules/", "policy/bin/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // One import statement per module: two are a merge left half-done.
      "no-duplicate-imports": "error",
      // `any` is allowed where Pulumi's and gRPC's untyped payloads are handled (tests, mocks).
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // A disable comment must say why, on the same line: `// eslint-disable-line rule -- reason`.
      "no-warning-comments": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { require: "readonly", process: "readonly", __dirname: "readonly", module: "writable", console: "readonly" } },
    // Plain CommonJS by design (scripts/run-compiled.js starts before anything is compiled).
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
