import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Size budget (issue #20, as tinygrad keeps one): a file ≤ 400 lines, a function ≤ 80, blank lines and
// comments not counted. Tests are exempt from the function budget: a test is one scenario read top to bottom.
const BUDGET = {
  'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
  'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
};

// The justified exceptions, each with its reason. Keep this list short: split instead of adding to it.
const OVER_BUDGET = [
  { files: ['packages/sdk/src/generated/**'], rule: 'max-lines', reason: 'generated from the OpenAPI document (npm run generate:sdk)' },
  { files: ['packages/pipeline/src/train-pipeline.ts'], reason: 'classify: split planned in #20 pipeline stages' },
  { files: ['packages/pipeline/src/anomaly-pipeline.ts'], reason: 'trainAnomalyPipeline: split planned in #20 pipeline stages' },
  { files: ['packages/engine/src/train/fit.ts'], reason: 'fit: one training loop sharing its state (budget, schedule, early stopping, checkpoints); split after the k-fold work on it lands' },
  { files: ['packages/tflite/src/quantize.ts'], reason: 'quantizeInt8: one pass over the graph keeping scales per tensor' },
  { files: ['bench/server/faults.ts'], reason: 'a benchmark script: each fault scenario reads top to bottom' },
  { files: ['packages/app/src/modalities/audio/audio-capture.ts', 'packages/app/src/modalities/audio/audio-predict.ts', 'packages/app/src/modalities/motion/motion-capture.ts', 'packages/app/src/modalities/motion/motion-predict.ts'], reason: 'capture and predict views in one mount closure: split into state and view as the panels' },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'e2e/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      ...BUDGET,
    },
  },
  { files: ['**/*.test.ts'], rules: { 'max-lines-per-function': 'off' } },
  ...OVER_BUDGET.map(({ files, rule = 'max-lines-per-function' }) => ({ files, rules: { [rule]: 'off' } })),
);
