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
import { IMAGE_RATES, imageRateFor, imageUnits, type ImageRate } from './image-tokens.js';

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

/**
 * The model of the counting program for an image formula. A tile rate's model carries its base
 * and tile tokens, so the core prices its images as `decide` would; patch rates share one with
 * base 0 and tile 1, their images arriving already in tokens, rounded per image as OpenAI bills
 * (the core, given only the request's summed patches, rounds once per request).
 */
function modelFor(rate: ImageRate): { name: string; base: number; tile: number } {
  const [base, tile] = rate.formula === 'tiles' ? [rate.base, rate.tile] : [0, 1];
  return { name: `m-${base}-${tile}`, base, tile };
}

/**
 * The counting program for a tokenizer: one model per image formula of image-tokens.ts, each
 * answering by its direct route, in one core instance (a core holds both vocabularies, so one
 * per formula would cost megabytes each).
 */
function deciderFor(tokenizer: TokenizerKind, charsPerToken: number): Decider {
  const key = `${tokenizer}:${charsPerToken}`;
  let decider = deciders.get(key);
  if (!decider) {
    const formulas = new Map(IMAGE_RATES.map((rate) => modelFor(rate)).map((m) => [m.name, m]));
    const policy: Policy = {
      file: loc.file,
      hash: '',
      providers: [{ name: 'p', kind: 'openai', baseUrl: 'http://127.0.0.1', baseUrlEnv: null, apiKeyEnv: 'UNUSED', batchDiscount: 0, loc }],
      models: [...formulas.values()].map(({ name, base, tile }) => ({
        name, provider: 'p', upstream: name, inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0, cacheWritePerMTok: 0, batchDiscount: 0,
        contextWindow: 0xffffffff, maxOutputTokens: 0xffffffff, capabilities: ['tools', 'vision', 'json_mode'], type: 'chat', quality: 3,
        tokenizer, charsPerToken, imageBaseTokens: base, imageTileTokens: tile, loc,
      })),
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
    // The direct route of each model answers that model, which is what countChatTokens asks for.
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
 * prefix, claude- and gemini-, else openai). Images are priced by the model's row of
 * image-tokens.ts; a model it does not know gets GPT-4o's formula and an estimate, and so does
 * an image whose size or detail OpenAI decides (remote URL, `detail: 'auto'` or none).
 */
export function countChatTokens(messages: readonly ChatTokenMessage[], model: string, opts: { provider?: ProviderKind; tools?: readonly unknown[] } = {}): ChatTokenCount {
  const kind = opts.provider ?? providerOfModel(model);
  const tokenizer = defaultTokenizer(kind, model);
  const { rate, known } = imageRateFor(model);
  const decider = deciderFor(tokenizer, CHARS_PER_TOKEN[kind]);
  let count = 0;
  let units = 0;
  let imagesExact = true;
  const prompt = messages.map((m) => {
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'text' && typeof part.text === 'string') content += part.text;
        if (part.type === 'image_url') {
          const cost = imageUnits(rate, part.image_url?.url ?? '', part.image_url?.detail);
          count++;
          units += cost.units;
          imagesExact &&= cost.exact && known;
        }
      }
    }
    return { role: m.role, content, name: m.name };
  });
  const d = decider.decide({ model: modelFor(rate).name, messages: prompt, maxTokens: 1, stream: false, images: { count, tiles: units, sizesKnown: imagesExact }, tools: opts.tools });
  const c = d.candidates[0]!;
  return { tokens: c.promptTokens, exact: c.promptTokensExact, tokenizer };
}
