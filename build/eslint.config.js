// ESLint flat config: typescript-eslint (type-checked), react-hooks, jsx-a11y, and the layer rules
// from ARCHITECTURE.md enforced with no-restricted-imports, so a wrong import fails `npm test`.
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const noElectron = {
  name: 'electron',
  message:
    'Only electron/main and electron/preload may import Electron (under plain Node it tries to download a binary).',
};
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'crypto', 'better-sqlite3'];
const layer = (patterns, paths = [noElectron]) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});

export default tseslint.config(
  {
    ignores: [
      'build/out/**',
      'build/native/**',
      'node_modules/**',
      'tests/e2e-web/screenshots/**',
      'build/scripts/**',
      'build/bin/**',
      'build/eslint.config.js',
      'build/electron-builder.config.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'tests/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    rules: { ...reactHooks.configs.recommended.rules, ...jsxA11y.configs.recommended.rules },
  },
  // Layers: nothing imports upward; only electron/main and electron/preload import Electron.
  {
    files: ['shared/**/*.ts'],
    rules: layer([
      { group: nodeBuiltins, message: 'shared/ is pure TypeScript: no Node, DOM-only or Electron APIs.' },
      { group: ['**/db/**', '**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing above it.' },
    ]),
  },
  {
    files: ['db/**/*.ts'],
    rules: layer([{ group: ['**/electron/**', '**/renderer/**'], message: 'db/ imports only shared/.' }]),
  },
  {
    files: ['electron/services/**/*.ts', 'electron/web/**/*.ts', 'electron/cli/**/*.ts'],
    rules: layer([
      {
        group: ['**/renderer/**', '**/electron/main/**', '**/electron/preload/**'],
        message: 'services, web and cli never import the renderer or Electron-only code.',
      },
    ]),
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: layer([{ group: ['**/renderer/**'], message: 'main does not import the renderer.' }], []),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: layer(
      [
        {
          group: ['**/renderer/**', '**/db/**', '**/electron/services/**', 'zod'],
          message: 'the preload bundles only shared/channels.',
        },
      ],
      [],
    ),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: layer([
      {
        group: [...nodeBuiltins, '**/db/**', '**/electron/**'],
        message: 'the renderer talks to the backend only through renderer/api.',
      },
    ]),
  },
  // Features do not import each other (issue 13): what they share lives above features/ (state/, charts/,
  // components/, hooks/), and the screen (App.tsx, screen/) composes one feature's panel inside another's.
  // One block per feature, repeating the renderer layer rule because a later no-restricted-imports replaces it.
  ...fs
    .readdirSync(new URL('../renderer/features', import.meta.url), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d, _, all) => ({
      files: [`renderer/features/${d.name}/**/*.{ts,tsx}`],
      rules: layer([
        {
          group: [...nodeBuiltins, '**/db/**', '**/electron/**'],
          message: 'the renderer talks to the backend only through renderer/api.',
        },
        {
          // '../machine/x', '../../features/machine/x', '../../machine/x' from a subfolder, …
          regex: `^(\\.\\./)+(features/)?(${all
            .filter((o) => o.isDirectory() && o.name !== d.name)
            .map((o) => o.name)
            .join('|')})(/|$)`,
          message:
            `renderer/features/${d.name} imports no other feature: move what both use above features/ ` +
            '(state/, charts/, components/) or compose the two in the screen (App.tsx).',
        },
      ]),
    })),
  {
    files: ['tests/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
