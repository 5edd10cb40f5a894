/** The Messages API wire for the chat pipeline: message JSON and named stream events. */
import type { ChatWire } from '../../pipeline/chat-wire.js';
import { toMessage } from './response.js';
import { createMessageStreamEncoder } from './stream.js';

export const anthropicWire: ChatWire = {
  completion: ({ result }) => JSON.stringify(toMessage(result.completion)),
  stream: (_request, served) => createMessageStreamEncoder({ model: served.candidate.upstream, promptTokens: served.candidate.promptTokens }),
};
