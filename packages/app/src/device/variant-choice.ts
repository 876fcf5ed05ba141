// Which file the phone runs, and where: measured per device and model. Each variant (int8, float32) is compiled
// on each accelerator this browser has, timed on a blank input, and run on the model's probe samples (held-out
// samples as the model takes them, shipped with it); the rule in variant-rule.ts then picks.
import type { Probes } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { availableAccelerators, Predictor } from './predictor.ts';
import { answerOf, chooseVariant, TIMED_RUNS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

export { PHONE_VARIANTS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

/** Compiles, times and checks every variant on every usable accelerator, then applies the rule above. */
export async function measureVariants(model: ModelVersion, files: Partial<Record<PhoneVariant, Uint8Array>>, probes: Probes | undefined, onStep: (text: string) => void = () => {}): Promise<VariantChoice> {
  const { usable } = await availableAccelerators();
  const measurements: VariantMeasurement[] = [];
  const answers = new Map<string, number[]>();
  for (const variant of ['float32', 'int8'] as const) {
    const bytes = files[variant];
    if (!bytes) continue;
    for (const accelerator of usable) {
      onStep(`Measuring ${variant} on ${accelerator}…`);
      try {
        const predictor = await Predictor.loadOn(bytes, model.input, accelerator);
        try {
          const latencyMs = await medianLatency(predictor);
          const given: number[] = [];
          for (const sample of probes?.samples ?? []) given.push(answerOf(model, variant, (await predictor.predictInto(sample, undefined)).output));
          answers.set(`${variant}/${accelerator}`, given);
          measurements.push({ variant, accelerator, latencyMs });
        } finally {
          predictor.dispose();
        }
      } catch (error) {
        measurements.push({ variant, accelerator, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  const reference = answers.get('float32/wasm');
  for (const m of measurements) {
    const given = answers.get(`${m.variant}/${m.accelerator}`);
    if (reference && given && reference.length > 0) {
      m.probes = reference.length;
      m.agreeing = given.filter((answer, i) => answer === reference[i]).length;
    }
  }
  return { ...chooseVariant(measurements), measurements, measuredAt: new Date().toISOString() };
}

async function medianLatency(predictor: Predictor): Promise<number> {
  await predictor.run();
  const times: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) times.push((await predictor.run()).latencyMs);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
