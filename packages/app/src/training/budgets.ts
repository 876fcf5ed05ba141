// Time budgets the Train tab offers, each with what it buys. The search's own numbers: each image family
// (small CNN, MobileNet) first at its known-good defaults, then TPE samples with ASHA stopping weak trials early;
// on Fashion-MNIST (60k images, bench/automl/RESULTS.md) 5 min ran 6 trials (88.4% int8), 15 min 14 (90.8%).
export interface Budget {
  seconds: number;
  title: string;
  hint: string;
}

export const BUDGETS: readonly Budget[] = [
  { seconds: 30, title: '30 s', hint: 'A quick check: both model families at their defaults, a few epochs each.' },
  { seconds: 60, title: '1 min', hint: 'A first real model for a few dozen photos: the defaults, then some variants.' },
  { seconds: 300, title: '5 min', hint: 'A proper search: many variants, weak ones stopped early, the winner retrained on all data.' },
  { seconds: 900, title: '15 min', hint: 'For hundreds of photos or look-alike labels: more variants and longer training.' },
  { seconds: 1800, title: '30 min', hint: 'For thousands of photos: the most trials and epochs. Keep the workstation on.' },
];

/** The quick check: what a first try needs, and what the end-to-end tests use. */
export const DEFAULT_BUDGET_SECONDS = 30;
