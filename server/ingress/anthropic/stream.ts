/**
 * Canonical chunks -> the Messages API's named stream events
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming): message_start, then each
 * content block as content_block_start, its deltas (text_delta for text, input_json_delta for a
 * tool call's arguments) and content_block_stop, then message_delta with the stop_reason and
 * usage, and message_stop. A stream the provider cuts ends with an `error` event instead.
 */
import type { ChatCompletionChunk, ToolCallDelta } from '../../adapters/types.js';
import type { StreamEncoder } from '../../pipeline/chat-wire.js';
import { errorBody } from './errors.js';
import { messageIdOf, messageUsage, stopReasonOf } from './response.js';

/** What the encoder knows before the first chunk. */
export interface MessageStreamStart {
  /** The model name message_start carries when no chunk has named one yet. */
  model: string;
  /** Prompt tokens as the gateway counted them, for message_start; message_delta carries the provider's count. */
  promptTokens: number;
}

function event(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** An encoder for one Messages API stream. */
export function createMessageStreamEncoder(start: MessageStreamStart): StreamEncoder {
  let started = false;
  let blocks = 0;
  /** The block open now: its index, and for a tool call the canonical call index it belongs to. */
  let open: { index: number; call: number | null } | null = null;
  /** Canonical tool call index -> its block index, for argument pieces that arrive after another block began. */
  const callBlocks = new Map<number, number>();
  let finishReason: string | null = null;
  let refused = false;

  function messageStart(chunk: ChatCompletionChunk | undefined): string {
    started = true;
    return event('message_start', {
      type: 'message_start',
      message: {
        id: messageIdOf(chunk?.id ?? 'switchyard'), type: 'message', role: 'assistant', model: chunk?.model ?? start.model,
        content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: start.promptTokens, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null },
      },
    });
  }

  function close(): string {
    if (open === null) return '';
    const index = open.index;
    open = null;
    return event('content_block_stop', { type: 'content_block_stop', index });
  }

  function text(piece: string): string {
    let out = '';
    if (open === null || open.call !== null) {
      out += close();
      open = { index: blocks++, call: null };
      out += event('content_block_start', { type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } });
    }
    return out + event('content_block_delta', { type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text: piece } });
  }

  function toolCall(call: ToolCallDelta): string {
    let out = '';
    let index = callBlocks.get(call.index);
    if (index === undefined) {
      out += close();
      index = blocks++;
      callBlocks.set(call.index, index);
      open = { index, call: call.index };
      const block = { type: 'tool_use', id: call.id ?? `toolu_${index}`, name: call.function?.name ?? '', input: {} };
      out += event('content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    const piece = call.function?.arguments;
    if (typeof piece === 'string' && piece !== '') {
      out += event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    return out;
  }

  return {
    push(chunks) {
      let out = started ? '' : messageStart(chunks[0]);
      for (const chunk of chunks) {
        // One choice: the request never asks for more. A usage-only chunk has none.
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        const { delta } = choice;
        if (typeof delta.content === 'string' && delta.content !== '') out += text(delta.content);
        if (typeof delta.refusal === 'string' && delta.refusal !== '') {
          refused = true;
          out += text(delta.refusal);
        }
        if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls as ToolCallDelta[]) out += toolCall(call);
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      return out;
    },
    end(usage, costUsd) {
      let out = (started ? '' : messageStart(undefined)) + close();
      out += event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: refused ? 'refusal' : stopReasonOf(finishReason), stop_sequence: null },
        usage: messageUsage(usage, start.promptTokens),
      });
      if (costUsd !== null) out += `: x-switchyard-cost-usd=${costUsd}\n\n`;
      return out + event('message_stop', { type: 'message_stop' });
    },
    fail: (error) => event('error', errorBody(error)),
  };
}
