/**
 * Canonical media content parts -> Gemini `inlineData` / `fileData` parts
 * (https://ai.google.dev/api/caching#Part). Bytes the client sent (data: URLs, base64 audio and
 * files) travel inline; an http(s) image URL travels as `fileData.fileUri`, whose MIME type
 * Gemini needs and which is taken from the URL's extension: a URL whose extension names no
 * type Gemini reads is refused rather than sent with a guess.
 */
import { UnsupportedFeatureError } from '../unsupported.js';

const PROVIDER = 'gemini';

/** A Gemini part carrying media. */
export type GeminiMediaPart =
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } };

// Image types Gemini reads (https://ai.google.dev/gemini-api/docs/image-understanding#supported-formats).
const IMAGE_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

// OpenAI's input_audio formats; both are Gemini audio types.
const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };

/** Returns the Gemini MIME type of an image URL from its path's extension, or null when it has none Gemini reads. */
export function imageTypeOfUrl(url: URL): string | null {
  const path = url.pathname;
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return null;
  return IMAGE_TYPES_BY_EXTENSION[path.slice(dot + 1).toLowerCase()] ?? null;
}

/** Returns the MIME type and base64 payload of a data: URL, or null when it is not one. Percent-encoded payloads are re-encoded as base64. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | null {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (match === null) return null;
  const mimeType = (match[1] as string).trim().toLowerCase();
  if (mimeType === '') return null;
  const params = (match[2] as string).split(';').map((p) => p.trim().toLowerCase());
  const payload = match[3] as string;
  if (params.includes('base64')) return { mimeType, data: payload };
  let bytes: string;
  try {
    bytes = decodeURIComponent(payload);
  } catch {
    return null;
  }
  return { mimeType, data: Buffer.from(bytes, 'utf8').toString('base64') };
}

/**
 * Maps one canonical media part (`image_url`, `input_audio`, `file`) to a Gemini part; throws
 * `UnsupportedFeatureError` naming `param` (the part's spelling, `messages[1].content[0]`) for
 * anything Gemini cannot be given as sent.
 */
export function mediaPartOf(part: Record<string, unknown>, param: string): GeminiMediaPart {
  switch (part.type) {
    case 'image_url':
      return imagePart(part.image_url, `${param}.image_url`);
    case 'input_audio':
      return audioPart(part.input_audio, `${param}.input_audio`);
    case 'file':
      return filePart(part.file, `${param}.file`);
    default:
      throw new UnsupportedFeatureError(PROVIDER, param, `${String(part.type)} parts`);
  }
}

function imagePart(image: unknown, param: string): GeminiMediaPart {
  const url = (image as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') throw new UnsupportedFeatureError(PROVIDER, `${param}.url`, 'an image needs a URL');
  if (url.startsWith('data:')) {
    const inline = parseDataUrl(url);
    if (inline === null) throw new UnsupportedFeatureError(PROVIDER, `${param}.url`, 'a data: URL without a MIME type');
    return { inlineData: inline };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsupportedFeatureError(PROVIDER, `${param}.url`, 'not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UnsupportedFeatureError(PROVIDER, `${param}.url`, `${parsed.protocol} URLs (send http(s) or data: URLs)`);
  }
  const mimeType = imageTypeOfUrl(parsed);
  if (mimeType === null) {
    throw new UnsupportedFeatureError(
      PROVIDER,
      `${param}.url`,
      `Gemini needs the image type, and the URL's extension names none it reads (${Object.keys(IMAGE_TYPES_BY_EXTENSION).join(', ')}); send the image as a data: URL`,
    );
  }
  return { fileData: { mimeType, fileUri: url } };
}

function audioPart(audio: unknown, param: string): GeminiMediaPart {
  const { data, format } = (audio ?? {}) as { data?: unknown; format?: unknown };
  const mimeType = typeof format === 'string' ? AUDIO_TYPES[format] : undefined;
  if (mimeType === undefined) throw new UnsupportedFeatureError(PROVIDER, `${param}.format`, `audio format ${String(format)}`);
  if (typeof data !== 'string') throw new UnsupportedFeatureError(PROVIDER, `${param}.data`, 'audio needs base64 data');
  return { inlineData: { mimeType, data } };
}

// A file part's `filename` is accepted and not forwarded: Gemini's inline data has no name field,
// and the bytes are what the model reads.
function filePart(file: unknown, param: string): GeminiMediaPart {
  const { file_data: fileData, file_id: fileId } = (file ?? {}) as { file_data?: unknown; file_id?: unknown };
  if (fileId !== undefined && fileId !== null) {
    throw new UnsupportedFeatureError(PROVIDER, `${param}.file_id`, 'OpenAI file ids mean nothing to Gemini; send file_data');
  }
  const inline = typeof fileData === 'string' ? parseDataUrl(fileData) : null;
  if (inline === null) {
    throw new UnsupportedFeatureError(PROVIDER, `${param}.file_data`, 'Gemini needs the MIME type: send file_data as a data: URL');
  }
  return { inlineData: inline };
}

// OpenAI's image `detail` -> Gemini's request-wide media resolution
// (https://ai.google.dev/api/generate-content#MediaResolution). `auto` is both APIs' default.
const MEDIA_RESOLUTIONS: Readonly<Record<string, string>> = {
  low: 'MEDIA_RESOLUTION_LOW',
  high: 'MEDIA_RESOLUTION_HIGH',
};

/**
 * Returns the `generationConfig.mediaResolution` the images' `detail` asks for, or null for the
 * default. Gemini sets one resolution for the whole request, so every image must ask for the same
 * detail (`auto` included); the first image that differs is refused.
 */
export function mediaResolutionOf(messages: ReadonlyArray<{ content?: unknown }>): string | null {
  let first: string | null = null;
  for (let i = 0; i < messages.length; i++) {
    const content = messages[i]?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const part = content[j] as { type?: unknown; image_url?: { detail?: unknown } } | null;
      if (part?.type !== 'image_url') continue;
      const detail = part.image_url?.detail ?? 'auto';
      const param = `messages[${i}].content[${j}].image_url.detail`;
      if (typeof detail !== 'string' || (detail !== 'auto' && MEDIA_RESOLUTIONS[detail] === undefined)) {
        throw new UnsupportedFeatureError(PROVIDER, param, `detail ${String(detail)}`);
      }
      if (first === null) first = detail;
      else if (detail !== first) {
        throw new UnsupportedFeatureError(PROVIDER, param, `Gemini sets one media resolution per request, and an earlier image asks for detail ${first}`);
      }
    }
  }
  return first === null || first === 'auto' ? null : (MEDIA_RESOLUTIONS[first] as string);
}
