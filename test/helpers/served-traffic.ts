/**
 * Traffic the sim served and the gateway charged for, made to agree: each request is priced
 * once, as the gateway prices it (engine/src/cost.ts), appended to the ledger as a charge under
 * the policy's model name, and billed by the sim's account under the upstream name.
 */
import { pricesOf, ServedAccount, type UsageCount } from '../../bench/sim/exports.js';
import type { Charge } from '../../server/budgets/types.js';
import { costUsd } from '../../engine/src/cost.js';
import { charge } from './charge.js';

const MODELS = [
  { name: 'gpt-4o-mini', upstream: 'gpt-4o-mini', provider: 'openai' as const, inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6, batchDiscount: 0.5 },
  { name: 'gpt-4.1', upstream: 'gpt-4.1', provider: 'openai' as const, inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8, batchDiscount: 0.5 },
  { name: 'claude-haiku-4-5', upstream: 'claude-haiku-4-5-20251001', provider: 'anthropic' as const, inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 5, batchDiscount: 0.5 },
];

export const SERVED_PRICES = pricesOf(MODELS);

/** `perDay` requests on each of `days` (YYYY-MM-DD), spread over the models. */
export function servedTraffic(days: string[], perDay: number): { charges: Charge[]; account: ServedAccount } {
  const account = new ServedAccount(SERVED_PRICES);
  const charges: Charge[] = [];
  days.forEach((day, d) => {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    for (let i = 0; i < perDay; i++) {
      const model = MODELS[(i + d) % MODELS.length] as (typeof MODELS)[number];
      const usage: UsageCount = { input: 2000 + ((i * 370) % 9000), cachedInput: model.provider === 'anthropic' ? (i * 110) % 3000 : 0, output: 100 + ((i * 130) % 4000) };
      const usd = costUsd(model, { inputTokens: usage.input + usage.cachedInput, cachedInputTokens: usage.cachedInput, outputTokens: usage.output });
      const at = midnight + Math.floor(((i + 0.5) / perDay) * 86_400_000);
      charges.push(charge(`${day}-${i}`, {
        at, settledAt: at + 500, usd, tokens: usage.input + usage.cachedInput + usage.output, provider: model.provider, model: model.name,
        scopes: { model: model.name, team: i % 2 === 0 ? 'research' : 'support' },
      }));
      account.add(model.provider, model.upstream, day, usage);
    }
  });
  return { charges, account };
}
