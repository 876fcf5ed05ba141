/**
 * What on-device learning needs from a model version, derived from its two .tflite files: the head (the last
 * FULLY_CONNECTED's float weights, `offgrid.head.v1` JSON) and the trunk of each file (the same graph ending at the
 * embedding the head reads). A phone runs the trunk of the variant it chose and trains its own head on top.
 */
import { decodeHoldout } from '@offgrid/features';
import { decodeHead, encodeHead, type Head } from '@offgrid/federated';
import { evaluateOnTest, type TestEvaluation } from '@offgrid/pipeline';
import {
  classifierTrunk, logitRangeOf, parseModel, readClassifierHead, readMetadata, serializeModel, serializeWithMetadata, withClassifierHead, type Range, type TfliteModel,
} from '@offgrid/tflite';
import type { HeadVariant } from '../models/model-store.ts';


/** The head and both trunks of a classifier's files; undefined for models without a classifier head (anomaly detectors). */
export function headParts(files: { float32: Uint8Array; int8: Uint8Array }): Record<HeadVariant, Uint8Array> | undefined {
  let parts: { head: Head; float32: TfliteModel; int8: TfliteModel };
  try {
    const float32 = parseModel(files.float32);
    parts = { head: readClassifierHead(float32), float32, int8: parseModel(files.int8) };
  } catch {
    // No classifier head (an anomaly detector), or files that are not .tflite (the test pipelines' stand-in bytes).
    return undefined;
  }
  return {
    head: new TextEncoder().encode(JSON.stringify(encodeHead(parts.head))),
    'trunk-int8': serializeModel(classifierTrunk(parts.int8)),
    'trunk-float32': serializeModel(classifierTrunk(parts.float32)),
  };
}

export function parseHead(bytes: Uint8Array): Head {
  return decodeHead(JSON.parse(new TextDecoder().decode(bytes)));
}

/**
 * Both files with `head` in place of their own, metadata and labels kept. The int8 file's logits are quantized over
 * `logitRange` (what phones measured the head's logits to span), widened by 10% and never narrower than the base
 * file's own range, so an input a phone never saw does not saturate them.
 */
export function filesWithHead(files: { float32: Uint8Array; int8: Uint8Array }, head: Head, logitRange: Range | undefined): { float32: Uint8Array; int8: Uint8Array } {
  const rewrite = (bytes: Uint8Array, range?: Range) => {
    const { metadata, files: attached } = readMetadata(bytes);
    const model = withClassifierHead(parseModel(bytes), head, range);
    return metadata ? serializeWithMetadata(model, metadata, Object.fromEntries(attached)) : serializeModel(model);
  };
  const int8 = parseModel(files.int8);
  const base = logitRangeOf(int8);
  let range = base;
  if (logitRange) {
    const margin = 0.1 * (logitRange.max - logitRange.min);
    range = { min: Math.min(logitRange.min - margin, base?.min ?? Infinity), max: Math.max(logitRange.max + margin, base?.max ?? -Infinity) };
  }
  return { float32: rewrite(files.float32), int8: rewrite(files.int8, range) };
}

/** Both files run through LiteRT.js on a version's held-out set (features' `encodeHoldout`), as the pipeline tests a new model. */
export async function testOnHoldout(files: { float32: Uint8Array; int8: Uint8Array }, holdoutBytes: Uint8Array, labels: string[]): Promise<TestEvaluation & { samples: number }> {
  const holdout = decodeHoldout(holdoutBytes);
  const size = holdout.samples[0]?.length ?? 0;
  const x = new Float32Array(holdout.samples.length * size);
  holdout.samples.forEach((sample, i) => x.set(sample, i * size));
  const indices = [...holdout.targets.keys()];
  return { ...(await evaluateOnTest(files, { x, targets: holdout.targets, labels }, indices)), samples: indices.length };
}
