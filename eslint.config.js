// Lint: typescript-eslint's recommended rules, plus the layering rule of docs/architecture.md:
// app → fhir → core, and inside core lower folders never import higher ones.
import tseslint from 'typescript-eslint';

const coreOrder = ['common', 'crypto', 'identity', 'zk', 'board', 'coordination', 'access', 'agents'];

// The pure core: the fold, the board kinds and board time, the coordination and access rules and
// the agents. Every replica and every audit re-fold must reach the same state from the same log,
// and the simulator must be able to run it, so nothing here reads the wall clock, sets a timer,
// draws randomness or reaches the platform: time, timers and randomness come from the injected
// Clock and Random, and crypto through core/common and core/crypto.
const pureFiles = [
  'core/board/fold.ts',
  'core/board/kinds.ts',
  'core/board/kinds/**/*.ts',
  'core/board/board-time.ts',
  'core/coordination/**/*.ts',
  'core/access/**/*.ts',
  'core/agents/**/*.ts',
];
const pureFolders = new Set(['board', 'coordination', 'access', 'agents']);
const nodeImports = { group: ['node:*'], message: 'the pure core takes platform services (crypto, time, files) through core/common and injected ports.' };
const pureRules = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'take time from the injected Clock (or board time in the fold).' },
    { object: 'Math', property: 'random', message: 'take randomness from the injected Random.' },
    { object: 'performance', property: 'now', message: 'take time from the injected Clock.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the wall clock: pass a time from the injected Clock.' },
  ],
  'no-restricted-globals': [
    'error',
    ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'].map((name) => ({
      name,
      message: 'timers come from the injected Clock (clock.sleep with an AbortSignal).',
    })),
  ],
};

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
            ...(pureFolders.has(name) ? [nodeImports] : []),
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
  { files: pureFiles, rules: pureRules },
  {
    files: ['fhir/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/app/**'], message: 'fhir/ may not import app/.' }] }],
    },
  },
);
