import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // scratch files people leave at the top level while working are not part of the project
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'coverage/**', '*.mts', '*tmp*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Only the Electron shell may import electron (it fails to load anywhere else).
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'only src-main/electron/ may import electron' }] }] },
  },
  {
    // The renderer runs in a sandboxed page: browser globals, and no Node, Electron or engine imports.
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'electron', 'fs', 'path', 'child_process', 'ws'], message: 'the renderer talks to its host through src-renderer/host only' },
            { group: ['**/src-main/**'], message: 'the renderer imports only shared/ and its own files' },
          ],
        },
      ],
    },
  },
);
