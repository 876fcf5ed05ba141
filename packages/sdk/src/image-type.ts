/** Content type of a JPEG, PNG or WebP file from its first bytes; undefined for anything else. */
export function sniffImageType(head: Uint8Array): 'image/jpeg' | 'image/png' | 'image/webp' | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** The content type to send for an image: the blob's own type, else sniffed, else JPEG (the app's format). */
export async function imageContentType(image: Blob | Uint8Array): Promise<string> {
  if (image instanceof Uint8Array) return sniffImageType(image) ?? 'image/jpeg';
  if (image.type) return image.type;
  const head = new Uint8Array(await image.slice(0, 12).arrayBuffer());
  return sniffImageType(head) ?? 'image/jpeg';
}
