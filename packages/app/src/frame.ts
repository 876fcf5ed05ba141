// Grabs camera frames the way training samples are made: centre square crop, downsampled on the phone.

/** Side of the square JPEG uploaded per sample (and the frame size prediction starts from). */
export const SAMPLE_SIZE = 128;
const JPEG_QUALITY = 0.9;

/** Draws the centre square of the current video frame, scaled to `size`×`size`. */
export function grabSquareFrame(video: HTMLVideoElement, size = SAMPLE_SIZE): HTMLCanvasElement {
  const { videoWidth: width, videoHeight: height } = video;
  if (width === 0 || height === 0) throw new Error('The camera is not ready yet. Wait for the preview, then try again.');
  return squareFrom(video, width, height, size);
}

/** The centre square of an image (a photo from the gallery), scaled to `size`×`size` like a capture. */
export async function squareFromImageFile(file: Blob, size = SAMPLE_SIZE): Promise<HTMLCanvasElement> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error('not an image this browser can read');
  }
  try {
    return squareFrom(bitmap, bitmap.width, bitmap.height, size);
  } finally {
    bitmap.close();
  }
}

function squareFrom(source: CanvasImageSource, width: number, height: number, size: number): HTMLCanvasElement {
  const side = Math.min(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('Canvas 2D is not available in this browser.');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, size, size);
  return canvas;
}

export function canvasToJpeg(canvas: HTMLCanvasElement, quality = JPEG_QUALITY): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('Could not encode the frame as JPEG.'))), 'image/jpeg', quality);
  });
}

export function canvasPixels(canvas: HTMLCanvasElement): ImageData {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('Canvas 2D is not available in this browser.');
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** Grabs centre-square frames into one canvas, again and again (live prediction): no canvas per frame. */
export class FrameGrabber {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;

  constructor(readonly size = SAMPLE_SIZE) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = size;
    this.canvas.height = size;
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('Canvas 2D is not available in this browser.');
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    this.context = context;
  }

  /** The current video frame's centre square as RGBA, drawn the way captures are (same crop and scaling). */
  grab(video: HTMLVideoElement): Uint8ClampedArray {
    const { videoWidth: width, videoHeight: height } = video;
    if (width === 0 || height === 0) throw new Error('The camera is not ready yet. Wait for the preview, then try again.');
    const side = Math.min(width, height);
    this.context.drawImage(video, (width - side) / 2, (height - side) / 2, side, side, 0, 0, this.size, this.size);
    return this.context.getImageData(0, 0, this.size, this.size).data;
  }
}
