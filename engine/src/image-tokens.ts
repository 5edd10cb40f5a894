/**
 * What an image input costs on each OpenAI model, from OpenAI's "Images and vision" guide
 * (developers.openai.com/api/docs/guides/images-vision, "Calculating costs"). Two formulas:
 *
 * - tiles: `base` tokens per image plus `tile` tokens per 512-px tile at high detail (the tile
 *   count is images.ts `tilesFor`); a low-detail image costs only `base`.
 * - patches: cover the image (fitted in `maxSide` x `maxSide`) with 32-px patches, shrink it to
 *   at most `budget` patches, and bill ceil(patches x multiplier) tokens.
 *
 * One table for every caller, matched by model (or upstream) name prefix, longest first. The
 * policy's per-model `image_tokens` must say the same (see policies/default.yaml): `{ base, tile }`
 * for tile models, `{ patch_multiplier }` for patch models, which the core prices from the
 * request's summed patches (rounding once per request, where this rounds once per image).
 */
import { IMAGE_BASE_TOKENS, IMAGE_TILE_TOKENS } from './policy/defaults.js';
import { ASSUMED_IMAGE_SIDE_PX, dataUrlSize, tilesFor } from './images.js';

export type ImageRate =
  | { formula: 'tiles'; base: number; tile: number }
  /** `multiplier` in hundredths (162 = 1.62), so the product stays an integer. */
  | { formula: 'patches'; multiplier: number; budget: number; maxSide: number };

const tiles = (base: number, tile: number): ImageRate => ({ formula: 'tiles', base, tile });
// Every patch model below has the 1,536-patch budget and 2048-px limit the guide gives them.
const patches = (multiplier: number): ImageRate => ({ formula: 'patches', multiplier, budget: 1536, maxSide: 2048 });

/**
 * Per model family, as the guide's tables list them. A newer snapshot of the guide was seen to
 * give gpt-5-mini 1.2 and gpt-5-nano 1.5 (both deprecated there); these rows follow the figures
 * most snapshots agree on, so re-check them against the live page when it can be reached.
 */
const RATES: ReadonlyArray<readonly [prefix: string, rate: ImageRate]> = [
  ['gpt-4o', tiles(85, 170)],
  ['gpt-4.1', tiles(85, 170)],
  ['gpt-4.5', tiles(85, 170)],
  ['gpt-4o-mini', tiles(2833, 5667)],
  ['o1', tiles(75, 150)],
  ['o1-pro', tiles(75, 150)],
  ['o3', tiles(75, 150)],
  ['gpt-5', tiles(70, 140)],
  ['gpt-5.1', tiles(70, 140)],
  ['computer-use-preview', tiles(65, 129)],
  ['gpt-4.1-mini', patches(162)],
  ['gpt-4.1-nano', patches(246)],
  ['o4-mini', patches(172)],
  ['gpt-5-mini', patches(162)],
  ['gpt-5-nano', patches(246)],
];
const BY_LENGTH = [...RATES].sort((a, b) => b[0].length - a[0].length);

/** GPT-4o's tile formula, for models the table does not know; their image counts are estimates. */
export const DEFAULT_IMAGE_RATE: ImageRate = tiles(IMAGE_BASE_TOKENS, IMAGE_TILE_TOKENS);

/** Every rate imageRateFor can answer (the table's and the default), repeats included. */
export const IMAGE_RATES: readonly ImageRate[] = [...RATES.map(([, rate]) => rate), DEFAULT_IMAGE_RATE];

/**
 * The image rate of a model name, and whether the table knew it. A prefix matches the whole name
 * or up to a `-` (so `gpt-4o` covers `gpt-4o-2024-08-06` but `gpt-5` does not cover `gpt-5.2`,
 * a patch model); a `vendor/` routing prefix (`openai/gpt-4o`) is ignored.
 */
export function imageRateFor(model: string): { rate: ImageRate; known: boolean } {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  for (const [prefix, rate] of BY_LENGTH) {
    if (name === prefix || name.startsWith(`${prefix}-`)) return { rate, known: true };
  }
  return { rate: DEFAULT_IMAGE_RATE, known: false };
}

/**
 * 32-px patches of a `width` x `height` image after the guide's resizing: fit in
 * `maxSide` x `maxSide` (never enlarging), then, over `budget`, shrink so whole patches fit.
 */
export function patchesFor(width: number, height: number, budget = 1536, maxSide = 2048): number {
  let w = width;
  let h = height;
  if (w > maxSide || h > maxSide) {
    const s = maxSide / Math.max(w, h);
    w = Math.floor(w * s);
    h = Math.floor(h * s);
  }
  const count = Math.ceil(w / 32) * Math.ceil(h / 32);
  if (count <= budget) return count;
  const shrink = Math.sqrt((32 * 32 * budget) / (w * h));
  const adjusted = shrink * Math.min(Math.floor((w * shrink) / 32) / ((w * shrink) / 32), Math.floor((h * shrink) / 32) / ((h * shrink) / 32));
  return Math.min(budget, Math.ceil(Math.floor(w * adjusted) / 32) * Math.ceil(Math.floor(h * adjusted) / 32));
}

/** Billed tokens of `count` patches: ceil(count x multiplier), the guide's rounding. */
export function patchTokens(count: number, multiplierHundredths: number): number {
  return Math.ceil((count * multiplierHundredths) / 100);
}

/**
 * One `image_url` part under a rate: `units` are tiles for a tile rate (the core multiplies them
 * by the model's tile tokens and adds the base) and tokens for a patch rate. `exact` only when the
 * guide pins the cost: a known size at `detail: 'high'`, or any image at `'low'` on a tile model.
 * `auto` (also the default) and anything else count as high, the worst case, but are estimates:
 * OpenAI picks the detail. The size of a remote image is assumed (1024 x 1024).
 */
export function imageUnits(rate: ImageRate, url: string, detail: string | undefined): { units: number; exact: boolean } {
  if (rate.formula === 'tiles' && detail === 'low') return { units: 0, exact: true };
  const size = dataUrlSize(url);
  const w = size?.width ?? ASSUMED_IMAGE_SIDE_PX;
  const h = size?.height ?? ASSUMED_IMAGE_SIDE_PX;
  const units = rate.formula === 'tiles' ? tilesFor(w, h) : patchTokens(patchesFor(w, h, rate.budget, rate.maxSide), rate.multiplier);
  return { units, exact: size !== null && detail === 'high' };
}
