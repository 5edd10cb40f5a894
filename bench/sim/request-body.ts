// Reading the JSON request bodies the providers receive, without trusting their shape.

/** Returns true for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns how OpenAI names a JSON value's type in its 400 messages ("a string", "an array"). */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Returns the text of `{type:"text", text}` blocks (OpenAI parts, Anthropic blocks), newline-joined. */
export function textBlocks(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (isObject(block) && block.type === 'text' && typeof block.text === 'string') {
      text = text === '' ? block.text : `${text}\n${block.text}`;
    }
  }
  return text;
}
