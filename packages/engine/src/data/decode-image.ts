import sharp from 'sharp';
import { MAX_IMAGE_PIXELS, type RgbImage } from '@offgrid/features';
import { decodeSimplePng } from './decode-png.ts';

/**
 * Upright 8-bit RGB pixels from JPEG/PNG/WebP/GIF/TIFF bytes: EXIF orientation applied (phone photos),
 * alpha dropped, grayscale and palette images expanded to three channels.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const simple = decodeSimplePng(bytes);
  if (simple) return simple;
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`Expected 3 colour channels after decoding, got ${info.channels}.`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
