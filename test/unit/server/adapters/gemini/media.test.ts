import { describe, expect, it } from 'vitest';
import { type GeminiMediaPart, mediaPartOf, mediaResolutionOf, parseDataUrl } from '../../../../../server/adapters/gemini/media.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const image = (url: string, detail?: string) => ({ type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } });

function refusedParam(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) return error.param;
    throw error;
  }
  throw new Error('expected UnsupportedFeatureError');
}

describe('gemini mediaPartOf', () => {
  it.each<[string, Record<string, unknown>, GeminiMediaPart]>([
    ['a base64 data: URL', image('data:image/png;base64,iVBORw0KGgo='), { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }],
    ['a data: URL with parameters', image('data:image/webp;name=x.webp;base64,UklGR'), { inlineData: { mimeType: 'image/webp', data: 'UklGR' } }],
    ['an https URL, type from its extension', image('https://cdn.example.com/a/b/photo.jpeg'), { fileData: { mimeType: 'image/jpeg', fileUri: 'https://cdn.example.com/a/b/photo.jpeg' } }],
    ['an http URL with a query', image('http://example.com/x.PNG?v=1#top'), { fileData: { mimeType: 'image/png', fileUri: 'http://example.com/x.PNG?v=1#top' } }],
    ['a HEIC photo', image('https://example.com/x.heic'), { fileData: { mimeType: 'image/heic', fileUri: 'https://example.com/x.heic' } }],
    ['mp3 audio', { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } }, { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } }],
    [
      'a PDF file as a data: URL, its filename kept back',
      { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ],
  ])('%s', (_name, part, expected) => {
    expect(mediaPartOf(part, 'messages[0].content[0]')).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a URL without an extension', image('https://example.com/image'), 'messages[0].content[0].image_url.url'],
    ['a URL whose extension Gemini does not read', image('https://example.com/anim.gif'), 'messages[0].content[0].image_url.url'],
    ['a dot in a directory, not the file', image('https://example.com/v1.2/image'), 'messages[0].content[0].image_url.url'],
    ['a non-http URL', image('ftp://example.com/a.png'), 'messages[0].content[0].image_url.url'],
    ['not a URL', image('a.png'), 'messages[0].content[0].image_url.url'],
    ['a data: URL without a type', image('data:;base64,AAAA'), 'messages[0].content[0].image_url.url'],
    ['an audio format Gemini is not told', { type: 'input_audio', input_audio: { data: 'x', format: 'flac' } }, 'messages[0].content[0].input_audio.format'],
    ['a file id', { type: 'file', file: { file_id: 'file-abc' } }, 'messages[0].content[0].file.file_id'],
    ['bare base64 file data', { type: 'file', file: { file_data: 'JVBERi0=' } }, 'messages[0].content[0].file.file_data'],
    ['an unknown part', { type: 'video_url', video_url: {} }, 'messages[0].content[0]'],
  ])('refuses %s', (_name, part, param) => {
    expect(refusedParam(() => mediaPartOf(part, 'messages[0].content[0]'))).toBe(param);
  });
});

describe('gemini parseDataUrl', () => {
  it.each<[string, ReturnType<typeof parseDataUrl>]>([
    ['data:image/png;base64,AAAA', { mimeType: 'image/png', data: 'AAAA' }],
    ['data:Image/PNG;BASE64,AAAA', { mimeType: 'image/png', data: 'AAAA' }],
    ['data:text/plain,hello%20world', { mimeType: 'text/plain', data: Buffer.from('hello world').toString('base64') }],
    ['data:text/plain,%E0%A4%A', null],
    ['data:,x', null],
    ['https://example.com/a.png', null],
  ])('%s', (url, expected) => {
    expect(parseDataUrl(url)).toEqual(expected);
  });
});

describe('gemini mediaResolutionOf', () => {
  const messages = (...parts: Array<Record<string, unknown>>) => [{ content: 'text only' }, { content: parts }];

  it.each<[string, Array<{ content?: unknown }>, string | null]>([
    ['no images', [{ content: 'hi' }], null],
    ['auto, stated or not', messages(image('data:image/png;base64,A'), image('data:image/png;base64,B', 'auto')), null],
    ['all low', messages(image('data:image/png;base64,A', 'low'), image('data:image/png;base64,B', 'low')), 'MEDIA_RESOLUTION_LOW'],
    ['high', messages({ type: 'text', text: 'x' }, image('data:image/png;base64,A', 'high')), 'MEDIA_RESOLUTION_HIGH'],
  ])('%s', (_name, input, expected) => {
    expect(mediaResolutionOf(input)).toBe(expected);
  });

  it.each<[string, Array<{ content?: unknown }>, string]>([
    ['images asking for different details', messages(image('data:image/png;base64,A', 'low'), image('data:image/png;base64,B')), 'messages[1].content[1].image_url.detail'],
    ['an unknown detail', messages(image('data:image/png;base64,A', 'ultra')), 'messages[1].content[0].image_url.detail'],
  ])('refuses %s', (_name, input, param) => {
    expect(refusedParam(() => mediaResolutionOf(input))).toBe(param);
  });
});
