import { describe, expect, it } from 'vitest';
import { dataUrlSize, imageCost, tilesFor } from '../../../../engine/src/images.js';

const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

function png(width: number, height: number): string {
  const b = Buffer.alloc(33);
  b.writeUInt32BE(0x89504e47, 0);
  b.writeUInt32BE(0x0d0a1a0a, 4);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return `data:image/png;base64,${b.toString('base64')}`;
}

describe('tilesFor (OpenAI vision guide examples)', () => {
  it.each([
    [1024, 1024, 4], // -> 768 x 768: 2 x 2 tiles (765 tokens with base 85)
    [2048, 4096, 6], // -> 1024 x 2048 -> 768 x 1536: 2 x 3 tiles (1105 tokens)
    [512, 512, 1],
    [100, 100, 1],
    [4096, 1024, 4], // -> 2048 x 512; the shortest side is under 768, so no second scaling
  ])('%i x %i -> %i tiles', (w, h, tiles) => {
    expect(tilesFor(w, h)).toBe(tiles);
  });
});

describe('image sizes from data URLs', () => {
  it('reads PNG, GIF, JPEG and WebP headers', () => {
    expect(dataUrlSize(png(640, 480))).toEqual({ width: 640, height: 480 });
    expect(dataUrlSize(`data:image/gif;base64,${b64([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x03, 0x58, 0x02])}`)).toEqual({ width: 800, height: 600 });
    const jpeg = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0, 0, 0, 0];
    expect(dataUrlSize(`data:image/jpeg;base64,${b64(jpeg)}`)).toEqual({ width: 640, height: 480 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(1919, 24, 3);
    webp.writeUIntLE(1079, 27, 3);
    expect(dataUrlSize(`data:image/webp;base64,${webp.toString('base64')}`)).toEqual({ width: 1920, height: 1080 });
  });

  it('answers null for remote URLs and non-images', () => {
    expect(dataUrlSize('https://example.com/cat.png')).toBeNull();
    expect(dataUrlSize('data:text/plain;base64,aGVsbG8=')).toBeNull();
  });

  it('costs low detail nothing past the base, and marks assumed sizes', () => {
    expect(imageCost('https://example.com/cat.png', 'low')).toEqual({ tiles: 0, sizeKnown: true });
    expect(imageCost('https://example.com/cat.png', 'high')).toEqual({ tiles: 4, sizeKnown: false });
    expect(imageCost(png(2048, 4096), 'auto')).toEqual({ tiles: 6, sizeKnown: true });
  });
});
