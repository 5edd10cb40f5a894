/**
 * Canonical content parts -> Anthropic content blocks (https://docs.anthropic.com/en/api/messages,
 * `messages[].content`): text parts become text blocks, `image_url` parts become image blocks. A
 * part this mapping cannot express is refused with `UnsupportedFeatureError`, never dropped.
 */
import type { ChatMessage } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';

/** The adapter kind, as `UnsupportedFeatureError` names it. */
export const PROVIDER = 'anthropic';

export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: unknown;
}

export interface ImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: unknown;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: unknown;
  name: unknown;
  input: Record<string, unknown>;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: unknown;
  content?: string | TextBlock[];
}

/** A block of a request message. */
export type Block = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock;

// `cache_control` is not OpenAI's, but clients of OpenAI-compatible gateways (LiteLLM,
// OpenRouter) put Anthropic's prompt-caching breakpoints on parts; it passes through as is.
const TEXT_PART_FIELDS: ReadonlySet<string> = new Set(['type', 'text', 'cache_control']);
const IMAGE_PART_FIELDS: ReadonlySet<string> = new Set(['type', 'image_url', 'cache_control']);
const IMAGE_URL_FIELDS: ReadonlySet<string> = new Set(['url', 'detail']);

// The image types Anthropic accepts (ImageBlockParam base64 source), which are also OpenAI's.
const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Returns true for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a message's content as Anthropic takes it: a string stays a string, parts become
 * blocks. Images are allowed only where `images` says so (user turns).
 */
export function contentOf(content: ChatMessage['content'], index: number, images: boolean): string | Array<TextBlock | ImageBlock> {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  const blocks: Array<TextBlock | ImageBlock> = [];
  content.forEach((part, j) => {
    const where = `messages[${index}].content[${j}]`;
    if (part.type === 'text' && typeof part.text === 'string') {
      assertExpressible(PROVIDER, part, TEXT_PART_FIELDS, `${where}.`);
      // Anthropic refuses empty text blocks, and an empty part says nothing; one that carries
      // a cache breakpoint is kept, so the breakpoint is never lost without a word.
      if (part.text === '' && part.cache_control == null) return;
      blocks.push(withCacheControl({ type: 'text', text: part.text }, part));
      return;
    }
    if (part.type === 'image_url' && images) {
      assertExpressible(PROVIDER, part, IMAGE_PART_FIELDS, `${where}.`);
      blocks.push(withCacheControl(imageOf(part.image_url, where), part));
      return;
    }
    throw new UnsupportedFeatureError(PROVIDER, where, `${String(part.type)} parts${images ? '' : ' in this role'}`);
  });
  return blocks;
}

/** Returns content as a list of blocks: a non-empty string becomes one text block. */
export function blocksOf<T extends Block>(content: string | T[]): Array<T | TextBlock> {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}

function withCacheControl<T extends TextBlock | ImageBlock>(block: T, part: Record<string, unknown>): T {
  if (part.cache_control != null) block.cache_control = part.cache_control;
  return block;
}

/**
 * Returns the image block for an `image_url` part: a `data:` URL becomes a base64 source with its
 * media type, an http(s) URL a url source (Anthropic fetches it). `detail: "low"` is refused:
 * Anthropic always looks at an image at full resolution, which is what "high" and "auto" get.
 */
function imageOf(imageUrl: unknown, where: string): ImageBlock {
  if (!isRecord(imageUrl) || typeof imageUrl.url !== 'string') {
    throw new UnsupportedFeatureError(PROVIDER, `${where}.image_url`, 'expected an object with a url');
  }
  assertExpressible(PROVIDER, imageUrl, IMAGE_URL_FIELDS, `${where}.image_url.`);
  const detail = imageUrl.detail;
  if (detail != null && detail !== 'auto' && detail !== 'high') {
    throw new UnsupportedFeatureError(PROVIDER, `${where}.image_url.detail`, `detail "${String(detail)}": Anthropic always reads images at full resolution`);
  }
  const url = imageUrl.url;
  if (url.startsWith('data:')) return { type: 'image', source: base64SourceOf(url, where) };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new UnsupportedFeatureError(PROVIDER, `${where}.image_url.url`, 'only data: and http(s) URLs');
}

// data:[<media type>][;<parameter>]*;base64,<data> (RFC 2397). Read with indexOf, not a regex:
// the data part is often megabytes long.
function base64SourceOf(url: string, where: string): { type: 'base64'; media_type: string; data: string } {
  const comma = url.indexOf(',');
  const header = comma < 0 ? '' : url.slice('data:'.length, comma);
  const params = header.split(';');
  if (comma < 0 || params[params.length - 1]?.toLowerCase() !== 'base64') {
    throw new UnsupportedFeatureError(PROVIDER, `${where}.image_url.url`, 'a data: URL that is not base64');
  }
  let mediaType = (params[0] ?? '').trim().toLowerCase();
  // A common misspelling, which Anthropic would refuse for a media type it knows.
  if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw new UnsupportedFeatureError(PROVIDER, `${where}.image_url.url`, `${mediaType || 'untyped'} images; Anthropic takes ${[...IMAGE_MEDIA_TYPES].join(', ')}`);
  }
  return { type: 'base64', media_type: mediaType, data: url.slice(comma + 1) };
}
