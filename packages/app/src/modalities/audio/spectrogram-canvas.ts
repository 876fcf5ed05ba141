// Draws the log-mel spectrogram the model just saw (time left to right, low frequencies at the bottom), so the
// user can see whether the sound stands out from the background. One pixel per frame and band, scaled by CSS.
import { h } from '../../dom.ts';

export class SpectrogramCanvas {
  readonly element: HTMLCanvasElement;
  private image: ImageData | undefined;

  constructor(testid: string) {
    this.element = h('canvas', { class: 'spectrogram', testid, width: 1, height: 1, 'aria-label': 'Spectrogram of the latest clip' });
  }

  /** `values` is [frames, bands] row-major; colours span the clip's own min..max. */
  draw(values: Float32Array, frames: number, bands: number): void {
    const context = this.element.getContext('2d');
    if (!context) return;
    if (!this.image || this.image.width !== frames || this.image.height !== bands) {
      this.element.width = frames;
      this.element.height = bands;
      this.image = context.createImageData(frames, bands);
    }
    let min = Infinity;
    let max = -Infinity;
    for (const value of values) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    const range = max - min || 1;
    const pixels = this.image.data;
    for (let f = 0; f < frames; f++) {
      for (let b = 0; b < bands; b++) {
        const t = (values[f * bands + b] - min) / range;
        const offset = ((bands - 1 - b) * frames + f) * 4;
        // Dark green → yellow: readable on the app's palette.
        pixels[offset] = Math.round(31 + t * 222);
        pixels[offset + 1] = Math.round(42 + t * 182);
        pixels[offset + 2] = Math.round(34 + t * 37);
        pixels[offset + 3] = 255;
      }
    }
    context.putImageData(this.image, 0, 0);
  }
}
