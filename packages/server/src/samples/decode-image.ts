import sharp, { type Metadata } from 'sharp';
import { MAX_IMAGE_PIXELS } from '@offgrid/features';
import { OffgridError } from '../errors.ts';

export const IMAGE_LIMITS = {
  /** Phones downsample before upload; anything larger than this is a mistake or an attack. */
  maxBytes: 10 * 1024 * 1024,
  maxPixels: MAX_IMAGE_PIXELS,
  minSide: 8,
} as const;

export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** Checks that bytes are a decodable image of sane dimensions, before anything is stored. */
export async function inspectImage(bytes: Uint8Array): Promise<{ width: number; height: number; mediaType: string }> {
  let meta: Metadata;
  try {
    // Header only: dimensions are checked below, before any pixel is decoded.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new OffgridError('BAD_IMAGE', `The file is not a readable JPEG, PNG or WebP image (${(error as Error).message}). Capture or export it again in one of those formats.`);
  }
  const mediaType = `image/${meta.format === 'jpeg' ? 'jpeg' : meta.format}`;
  if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw new OffgridError('BAD_IMAGE', `Images must be JPEG, PNG or WebP; this one is ${meta.format ?? 'unknown'}. Convert it to one of those first.`);
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > IMAGE_LIMITS.maxPixels) throw new OffgridError('BAD_IMAGE', `The image is ${width}x${height}; at most ${IMAGE_LIMITS.maxPixels} pixels are accepted. Downscale it first.`);
  if (Math.min(width, height) < IMAGE_LIMITS.minSide) throw new OffgridError('BAD_IMAGE', `The image is ${width}x${height}; each side must be at least ${IMAGE_LIMITS.minSide} pixels. Send a larger image.`);
  // Decoding the whole file catches truncated uploads that still have a valid header. The pixels stay inside libvips
  // (shrunk to one, without shrink-on-load, so every pixel is decoded): returned as a JS Buffer they were 150 KB per
  // 224x224 upload of external memory that drove V8's major GCs on the API thread (bench/server/RESULTS.md).
  try {
    await sharp(bytes, { limitInputPixels: IMAGE_LIMITS.maxPixels, failOn: 'truncated' }).resize(1, 1, { fastShrinkOnLoad: false }).raw().toBuffer();
  } catch (error) {
    throw new OffgridError('BAD_IMAGE', `The image is damaged or truncated (${(error as Error).message}). Capture or export it again.`);
  }
  // EXIF orientation swaps the sides of phone photos.
  const rotated = (meta.orientation ?? 1) >= 5;
  return { width: rotated ? height : width, height: rotated ? width : height, mediaType };
}
