// Lint rules, including the import walls between runtimes (architecture.md §2):
// the backend core never imports electron; the renderer never imports Node or main-process code;
// the canvas engine never imports Svelte; the contract imports neither electron nor Node.
import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import svelteConfig from './svelte.config.js'

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'url', 'worker_threads', 'stream']

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'artifacts/**', 'resources/**', '.tessera-dev/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'The renderer runs without Node: ask the backend through the api.' },
            { group: ['electron'], message: 'The renderer talks to the backend only through the contract.' },
            {
              regex: '^(?!.*src-main/core/masks(/|$)).*src-main/',
              message: 'The renderer talks to the backend only through the contract (pure mask maths excepted).',
            },
            { group: ['**/src-preload/index*'], message: 'Import the contract, not the preload.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/canvas/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['svelte', 'svelte/*', '*.svelte'], message: 'The canvas engine is plain TypeScript.' },
            { group: nodeBuiltins, message: 'No Node in the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The backend core runs in plain Node too: no electron imports.' },
            { group: ['**/ipc/**', '**/web-shell/**'], message: 'The core must not depend on a transport.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-preload/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['electron', ...nodeBuiltins], message: 'The contract is shared by every runtime.' }] },
      ],
    },
  },
)
