// ESLint gate of the UI (`npm run lint`, run by scripts/test.sh): the recommended JavaScript and
// typescript-eslint rules (syntax only, not type-aware, so it stays fast), the two rules of React
// hooks, and the import boundaries: a feature imports from src/lib/ and from itself, never from
// another feature; src/lib/ imports neither a feature nor the shell in src/app/.
import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "e2e/shots/", "src/lib/api/bindings/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // Node scripts and configs; the end-to-end test also hands functions to the page (browser globals).
    files: ["*.{js,ts}", "e2e/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ["src/features/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // From src/features/<a>/: "../<b>" is another feature; "../../features/…" too.
              regex: "^\\.\\./(?!\\.\\./)|^(\\.\\./)+features(/|$)",
              message: "A feature does not import another feature: move what both need into src/lib/.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/lib/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+(features|app)(/|$)",
              message: "src/lib/ is shared by every area: it imports neither a feature nor the app shell.",
            },
          ],
        },
      ],
    },
  },
);
