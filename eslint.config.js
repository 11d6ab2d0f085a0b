// Lint: typescript-eslint's recommended rules, plus the layering rule of docs/architecture.md:
// app → fhir → core, and inside core lower folders never import higher ones.
import tseslint from 'typescript-eslint';

const coreOrder = ['common', 'crypto', 'identity', 'zk', 'board', 'coordination', 'access', 'agents'];

/** For core/<name>: forbid importing the core folders above it, and fhir/ and app/. */
function coreLayer(name) {
  const above = coreOrder.slice(coreOrder.indexOf(name) + 1);
  return {
    files: [`core/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/fhir/**', '**/app/**'], message: 'core imports nothing outside core.' },
            ...above.map((a) => ({ group: [`**/${a}/**`, `../${a}/*`], message: `core/${name} may not import core/${a} (higher layer).` })),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'app/ui/dist/**', '.murmur/**', 'circuits/build/**', 'test-results/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...coreOrder.map(coreLayer),
  {
    files: ['fhir/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/app/**'], message: 'fhir/ may not import app/.' }] }],
    },
  },
);
