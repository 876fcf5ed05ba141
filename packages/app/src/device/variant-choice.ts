// Which file the phone runs, and where: measured per device and model. Each variant (int8, float32) is compiled
// on each accelerator this browser has, timed on a blank input, and run on the model's probe samples (held-out
// samples as the model takes them, shipped with it); the rule in variant-rule.ts then picks.
import type { Probes } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { availableAccelerators, Predictor } from './predictor.ts';
import { agreesWithFloat32, chooseVariant, TIMED_RUNS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

export { PHONE_VARIANTS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

/**
 * Compiles, times and checks every variant on every usable accelerator, one file at a time (a phone may not hold
 * several compiled models at once), then applies the rule above.
 */
export async function measureVariants(model: ModelVersion, files: Partial<Record<PhoneVariant, Uint8Array>>, probes: Probes | undefined, onStep: (text: string) => void = () => {}): Promise<VariantChoice> {
  const { usable } = await availableAccelerators();
  const measurements: VariantMeasurement[] = [];
  const outputs = new Map<VariantMeasurement, Float32Array[]>();
  for (const variant of ['float32', 'int8'] as const) {
    const bytes = files[variant];
    if (!bytes) continue;
    for (const accelerator of usable) {
      onStep(`Measuring ${variant} on ${accelerator}…`);
      const measurement: VariantMeasurement = { variant, accelerator };
      measurements.push(measurement);
      try {
        const predictor = await Predictor.loadOn(bytes, model.input, accelerator);
        try {
          measurement.latencyMs = await fastestLatency(predictor);
          const given: Float32Array[] = [];
          for (const sample of probes?.samples ?? []) given.push((await predictor.predictInto(sample, undefined)).output.slice());
          outputs.set(measurement, given);
        } finally {
          predictor.dispose();
        }
      } catch (error) {
        measurement.error = error instanceof Error ? error.message : String(error);
      }
    }
  }
  const reference = [...outputs].find(([m]) => m.variant === 'float32' && m.accelerator === 'wasm')?.[1];
  if (reference && reference.length > 0) {
    for (const [measurement, given] of outputs) {
      measurement.probes = reference.length;
      measurement.agreeing = given.filter((scores, i) => agreesWithFloat32(model, measurement.variant, reference[i], scores)).length;
    }
  }
  return { ...chooseVariant(measurements), measurements, measuredAt: new Date().toISOString() };
}

/**
 * The fastest of TIMED_RUNS runs after one warm-up: a busy moment on the phone only ever adds time, so the minimum
 * is what the file costs (a median let one slow stretch decide between int8 and float32).
 */
async function fastestLatency(predictor: Predictor): Promise<number> {
  await predictor.run();
  let fastest = Infinity;
  for (let i = 0; i < TIMED_RUNS; i++) fastest = Math.min(fastest, (await predictor.run()).latencyMs);
  return fastest;
}
