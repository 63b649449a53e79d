// Lint rules: typescript-eslint's recommended set; formatting is Prettier's job.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
    { ignores: ["dist/", "node_modules/", "docs/", "bench/out/", "sdk/python/", "sdk/go/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    prettier,
    {
        languageOptions: {
            globals: { require: "readonly", process: "readonly", module: "writable", __dirname: "readonly", console: "readonly" },
        },
        rules: {
            // The provider handles untyped engine and SDK payloads; `any` is deliberate at those edges.
            "@typescript-eslint/no-explicit-any": "off",
            // Lazy `require` keeps the SDK off the preview path (README: Details).
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
