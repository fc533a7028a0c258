// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules for every source file.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/', 'node_modules/', 'test-output/', '.run/', 'kustomize/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Node everywhere; web/src runs in the browser, but TypeScript already checks its names.
    languageOptions: { globals: globals.node },
    rules: {
      // `_name` marks a value left out on purpose (destructured away, an unused callback parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Parsed JSON bodies and rendered YAML manifests, walked by path: their shape is what these tests check.
    files: ['test/support/http.ts', 'test/kustomize/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
