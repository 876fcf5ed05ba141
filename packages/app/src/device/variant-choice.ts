// Which file the phone runs, and where: measured per device and model. Each variant (int8, float32) is compiled
// on each accelerator this browser has, timed on a blank input, and run on the model's probe samples (held-out
// samples as the model takes them, shipped with it); the rule in variant-rule.ts then picks.
import type { Probes } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { availableAccelerators, Predictor } from './predictor.ts';
import { agreesWithFloat32, chooseVariant, TIMED_RUNS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

export { PHONE_VARIANTS, type PhoneVariant, type VariantChoice, type VariantMeasurement } from './variant-rule.ts';

/**
 * Compiles, times and checks every variant on every usable accelerator, then applies the rule above. All files
 * stay loaded while they are timed and their runs take turns, so a busy moment on the phone slows each of them
 * alike instead of deciding the choice.
 */
export async function measureVariants(model: ModelVersion, files: Partial<Record<PhoneVariant, Uint8Array>>, probes: Probes | undefined, onStep: (text: string) => void = () => {}): Promise<VariantChoice> {
  const { usable } = await availableAccelerators();
  const measurements: VariantMeasurement[] = [];
  const loaded: { measurement: VariantMeasurement; predictor: Predictor; outputs: Float32Array[] }[] = [];
  try {
    for (const variant of ['float32', 'int8'] as const) {
      const bytes = files[variant];
      if (!bytes) continue;
      for (const accelerator of usable) {
        onStep(`Measuring ${variant} on ${accelerator}…`);
        const measurement: VariantMeasurement = { variant, accelerator };
        measurements.push(measurement);
        let predictor: Predictor | undefined;
        try {
          predictor = await Predictor.loadOn(bytes, model.input, accelerator);
          await predictor.run();
          loaded.push({ measurement, predictor, outputs: [] });
        } catch (error) {
          predictor?.dispose();
          measurement.error = error instanceof Error ? error.message : String(error);
        }
      }
    }
    onStep('Timing…');
    const times = loaded.map(() => [] as number[]);
    for (let run = 0; run < TIMED_RUNS; run++) {
      for (const [i, { predictor }] of loaded.entries()) times[i].push((await predictor.run()).latencyMs);
    }
    for (const [i, entry] of loaded.entries()) {
      entry.measurement.latencyMs = median(times[i]);
      for (const sample of probes?.samples ?? []) entry.outputs.push((await entry.predictor.predictInto(sample, undefined)).output.slice());
    }
  } finally {
    for (const { predictor } of loaded) predictor.dispose();
  }
  const reference = loaded.find(({ measurement }) => measurement.variant === 'float32' && measurement.accelerator === 'wasm')?.outputs;
  if (reference && reference.length > 0) {
    for (const { measurement, outputs } of loaded) {
      measurement.probes = reference.length;
      measurement.agreeing = outputs.filter((scores, i) => agreesWithFloat32(model, measurement.variant, reference[i], scores)).length;
    }
  }
  return { ...chooseVariant(measurements), measurements, measuredAt: new Date().toISOString() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
