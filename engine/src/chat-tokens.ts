/**
 * countChatTokens: prompt tokens of a chat request for a model, counted by the very code path
 * `decide` uses (a one-model program in its own core instance), so the API and the decisions
 * can never disagree.
 */
import { Decider } from './decide.js';
import { CHARS_PER_TOKEN, DEFAULT_RESILIENCE, defaultTokenizer } from './policy/defaults.js';
import { lowerPolicy } from './policy/lower.js';
import { withDirectRoutes } from './policy/compile.js';
import { ExprCompiler } from './policy/expr/index.js';
import type { Policy, ProviderKind, TokenizerKind } from './policy/types.js';
import { imageCost } from './images.js';

/** A chat message in the OpenAI shape (text or content parts). */
export interface ChatTokenMessage {
  role: string;
  content: string | null | ReadonlyArray<{ type: string; text?: string; image_url?: { url?: string; detail?: string } }>;
  name?: string;
}

export interface ChatTokenCount {
  tokens: number;
  /** True when counted by the model's own tokenizer; false for an estimate from characters. */
  exact: boolean;
  tokenizer: TokenizerKind;
}

const deciders = new Map<string, Decider>();
const loc = { file: '<countChatTokens>', line: 1, col: 1 };

function deciderFor(tokenizer: TokenizerKind, charsPerToken: number): Decider {
  const key = `${tokenizer}:${charsPerToken}`;
  let decider = deciders.get(key);
  if (!decider) {
    const policy: Policy = {
      file: loc.file,
      hash: '',
      providers: [{ name: 'p', kind: 'openai', baseUrl: 'http://127.0.0.1', baseUrlEnv: null, apiKeyEnv: 'UNUSED', batchDiscount: 0, loc }],
      models: [{
        name: 'm', provider: 'p', upstream: 'm', inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0, batchDiscount: 0,
        contextWindow: 0xffffffff, maxOutputTokens: 0xffffffff, capabilities: ['tools', 'vision', 'json_mode'], type: 'chat', quality: 3,
        tokenizer, charsPerToken, imageBaseTokens: 85, imageTileTokens: 170, loc,
      }],
      routes: [],
      complexityWeights: {},
      limits: { maxAttemptsPerRequest: 1, maxCostPerRequestUsd: Infinity },
      defaultRetries: 0,
      conditions: new ExprCompiler({ models: [], providers: [] }).finish(),
      recording: { path: null, redaction: 'counts', maxBytes: 0, keep: 0 },
      resilience: DEFAULT_RESILIENCE,
      budgets: [],
      budgetStore: { onUnreachable: 'closed', reservationTtlS: 600 },
    };
    // The direct route of model `m` answers `m`, which is what countChatTokens asks for.
    decider = new Decider(lowerPolicy(withDirectRoutes(policy)));
    deciders.set(key, decider);
  }
  return decider;
}

/** The provider kind a model name belongs to, by its well-known prefix. */
function providerOfModel(model: string): ProviderKind {
  if (model.startsWith('claude')) return 'anthropic';
  if (model.startsWith('gemini')) return 'gemini';
  return 'openai';
}

/**
 * Prompt tokens of `messages` (with OpenAI's per-message and reply-priming overhead, names,
 * `tools` and images) for `model`: exact for OpenAI models, estimated for others. `provider`
 * picks the documented characters-per-token ratio of an estimate (default: from the name's
 * prefix, claude- and gemini-, else openai).
 */
export function countChatTokens(messages: readonly ChatTokenMessage[], model: string, opts: { provider?: ProviderKind; tools?: readonly unknown[] } = {}): ChatTokenCount {
  const kind = opts.provider ?? providerOfModel(model);
  const tokenizer = defaultTokenizer(kind, model);
  const decider = deciderFor(tokenizer, CHARS_PER_TOKEN[kind]);
  let count = 0;
  let tiles = 0;
  let sizesKnown = true;
  const prompt = messages.map((m) => {
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'text' && typeof part.text === 'string') content += part.text;
        if (part.type === 'image_url') {
          const cost = imageCost(part.image_url?.url ?? '', part.image_url?.detail);
          count++;
          tiles += cost.tiles;
          sizesKnown &&= cost.sizeKnown;
        }
      }
    }
    return { role: m.role, content, name: m.name };
  });
  const d = decider.decide({ model: 'm', messages: prompt, maxTokens: 1, stream: false, images: { count, tiles, sizesKnown }, tools: opts.tools });
  const c = d.candidates[0]!;
  return { tokens: c.promptTokens, exact: c.promptTokensExact, tokenizer };
}
