// ESLint flat config. TypeScript gets typescript-eslint's type-checked
// recommended rules; the web client's plain ES modules and the few
// CommonJS helpers get ESLint's recommended rules. Formatting is
// Prettier's job (`prettier --check` in `npm run lint`), so
// eslint-config-prettier turns the stylistic rules off.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'data/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // `_name` marks a parameter an interface requires but an implementation does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Ports return promises (GroupBroadcaster, RoomPresence, Nest's guard hooks): an in-process
      // implementation is `async` without awaiting anything, which is the clearest way to keep the contract.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: {
      // supertest's `response.body`, JSON.parse of frames and jest's matchers are `any` by design; the
      // assertions check the content, so a cast per access would add noise and check nothing.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Frames and bodies parsed from the wire are `any` in the same way; tests name them so.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/web/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['test/support/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  prettier,
);
