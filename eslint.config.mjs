// ESLint for the TypeScript of the project (typescript-eslint's recommended
// rules, type-aware where they catch real bugs: floating promises).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: [
            "node_modules/",
            "dist/",
            ".toolchain/",
            ".lab/",
            ".lab-ci/",
            ".lab-docker/",
            ".lab-ci-docker/",
            "toolchain/pulumi-cli/",
            "toolchain/pulumi-language-nodejs/",
            "**/*.cjs",
            "**/*.js",
            "**/*.mjs",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
);
