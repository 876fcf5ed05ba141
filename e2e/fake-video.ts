// A fake camera feed for Chromium (`--use-file-for-fake-video-capture`): moving colour bands plus seeded
// noise, so no two frames are byte-identical (Chromium's built-in test pattern repeats, and the server
// rightly stores repeated bytes once).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeFakeVideo(options: { width?: number; height?: number; frames?: number; fps?: number } = {}): string {
  // 900 frames = a 30 s loop: a capture exactly one loop after another would repeat its bytes (and count once).
  const { width = 160, height = 120, frames = 900, fps = 30 } = options;
  const file = join(tmpdir(), `offgrid-fake-camera-${width}x${height}-${frames}.y4m`);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = Buffer.from('FRAME\n');
  const lumaSize = width * height;
  const chromaSize = (width / 2) * (height / 2);
  const chunks: Buffer[] = [header];
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 24) % 24;
  };
  for (let f = 0; f < frames; f++) {
    const frame = Buffer.alloc(lumaSize + 2 * chromaSize);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) frame[y * width + x] = 60 + ((x + y + f * 2) % 140) + noise();
    }
    for (let i = 0; i < chromaSize; i++) {
      const cx = i % (width / 2);
      frame[lumaSize + i] = 90 + ((cx + f) % 60);
      frame[lumaSize + chromaSize + i] = 160 - ((cx * 2 + f) % 50);
    }
    chunks.push(frameHeader, frame);
  }
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}
