// The per-frame model input for live prediction, computed into buffers allocated once. It must equal
// `preprocessImage(rgbaToRgb(...), spec)` from @offgrid/features bit for bit (preprocess.test.ts checks).
import type { ImageSpec } from '@offgrid/features';

/** For each output index, the source indices it covers and their weights; the same taps as features' resizeArea. */
function axisWeights(source: number, target: number): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const scale = source / target;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(target + 1);
  for (let o = 0; o < target; o++) {
    start[o] = index.length;
    const from = o * scale;
    const to = from + scale;
    if (scale <= 1) {
      index.push(Math.min(source - 1, Math.floor((o + 0.5) * scale)));
      weight.push(1);
    } else {
      for (let s = Math.floor(from); s < Math.min(source, Math.ceil(to)); s++) {
        const covered = Math.min(to, s + 1) - Math.max(from, s);
        if (covered > 0) {
          index.push(s);
          weight.push(covered / scale);
        }
      }
    }
  }
  start[target] = index.length;
  return { index: Int32Array.from(index), weight: Float64Array.from(weight), start };
}

/** Square RGBA frames of one size → normalized H×W×3 float input, reusing its buffers every call. */
export class FramePreprocessor {
  readonly output: Float32Array;
  private readonly row: Float64Array;
  private readonly xTaps: ReturnType<typeof axisWeights>;
  private readonly yTaps: ReturnType<typeof axisWeights>;

  constructor(
    readonly frameSize: number,
    readonly spec: ImageSpec,
  ) {
    this.output = new Float32Array(spec.width * spec.height * 3);
    this.row = new Float64Array(frameSize * 3);
    this.xTaps = axisWeights(frameSize, spec.width);
    this.yTaps = axisWeights(frameSize, spec.height);
  }

  /** `rgba` is frameSize×frameSize RGBA (canvas ImageData). Returns `this.output`, overwritten next call. */
  run(rgba: Uint8ClampedArray | Uint8Array): Float32Array {
    const { frameSize: size, output: out, row, xTaps, yTaps } = this;
    const { width, height, mean, std } = this.spec;
    if (rgba.length !== size * size * 4) throw new Error(`Expected a ${size}x${size} RGBA frame (${size * size * 4} bytes), got ${rgba.length}.`);
    for (let oy = 0; oy < height; oy++) {
      row.fill(0);
      for (let t = yTaps.start[oy]; t < yTaps.start[oy + 1]; t++) {
        const wy = yTaps.weight[t];
        const base = yTaps.index[t] * size * 4;
        for (let x = 0; x < size; x++) {
          const p = base + x * 4;
          row[x * 3] += rgba[p] * wy;
          row[x * 3 + 1] += rgba[p + 1] * wy;
          row[x * 3 + 2] += rgba[p + 2] * wy;
        }
      }
      for (let ox = 0; ox < width; ox++) {
        let r = 0, g = 0, b = 0;
        for (let t = xTaps.start[ox]; t < xTaps.start[ox + 1]; t++) {
          const sx = xTaps.index[t] * 3;
          const wx = xTaps.weight[t];
          r += row[sx] * wx;
          g += row[sx + 1] * wx;
          b += row[sx + 2] * wx;
        }
        const o = (oy * width + ox) * 3;
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) / std;
    return out;
  }
}
