/**
 * Image inputs in OpenAI's terms: how many 512-px tiles a high-detail image costs. The formula
 * (OpenAI vision guide): scale to fit in 2048 x 2048, then so the shortest side is at most 768,
 * then count 512 x 512 tiles. A low-detail image costs no tiles (only the base). The size is read
 * from a data URL's PNG, JPEG, GIF or WebP header; for a remote URL it is unknown and 1024 x 1024
 * is assumed, and the count is marked as an estimate.
 */

export const ASSUMED_IMAGE_SIDE_PX = 1024;

export interface ImageCost {
  tiles: number;
  /** False when the image's size had to be assumed. */
  sizeKnown: boolean;
}

/** Tiles of one image of `width` x `height` at high detail. */
export function tilesFor(width: number, height: number): number {
  let w = width;
  let h = height;
  if (w > 2048 || h > 2048) {
    const s = 2048 / Math.max(w, h);
    w *= s;
    h *= s;
  }
  if (Math.min(w, h) > 768) {
    const s = 768 / Math.min(w, h);
    w *= s;
    h *= s;
  }
  return Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** The tile cost of an `image_url` content part. */
export function imageCost(url: string, detail: string | undefined): ImageCost {
  if (detail === 'low') return { tiles: 0, sizeKnown: true };
  const size = dataUrlSize(url);
  if (!size) return { tiles: tilesFor(ASSUMED_IMAGE_SIDE_PX, ASSUMED_IMAGE_SIDE_PX), sizeKnown: false };
  return { tiles: tilesFor(size.width, size.height), sizeKnown: true };
}

/** Width and height from the header of a base64 data URL image, or null. */
export function dataUrlSize(url: string): { width: number; height: number } | null {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) return null;
  // 64 KiB of base64 covers any header a JPEG puts before its frame.
  const bytes = Buffer.from(url.slice(comma + 1, comma + 1 + 87_384), 'base64');
  return pngSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes) ?? jpegSize(bytes);
}

function pngSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47) return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function gifSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 10 || b.toString('latin1', 0, 3) !== 'GIF') return null;
  return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

function webpSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  return null;
}

function jpegSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    const length = b.readUInt16BE(i + 2);
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
    }
    i += 2 + length;
  }
  return null;
}
