import { describe, expect, it } from 'vitest';
import { countPromptTokens, planCompletion, replyPieces, SIM_WORDS, simulatedLabel } from '../../../../bench/sim/reply.js';

describe('replyPieces', () => {
  it('starts with the simulated label and gives one piece per token', () => {
    const pieces = replyPieces('gpt-4o-mini', 'hello', 5);
    expect(pieces).toHaveLength(5);
    expect(pieces[0]).toMatch(/^\[simulated gpt-4o-mini\] \w+$/);
    for (const p of pieces.slice(1)) expect(p).toMatch(/^ \w+$/);
    const words = pieces.join('').slice(simulatedLabel('gpt-4o-mini').length + 1).split(' ');
    expect(words).toHaveLength(5);
    for (const w of words) expect(SIM_WORDS).toContain(w);
  });

  it('is deterministic for the same model and prompt', () => {
    expect(replyPieces('m', 'same prompt', 16)).toEqual(replyPieces('m', 'same prompt', 16));
  });

  it('differs by model and by prompt', () => {
    const base = replyPieces('model-a', 'prompt one', 16).join('');
    expect(replyPieces('model-a', 'prompt two', 16).join('')).not.toBe(base);
    const otherModel = replyPieces('model-b', 'prompt one', 16).join('');
    expect(otherModel.slice(otherModel.indexOf(']'))).not.toBe(base.slice(base.indexOf(']')));
  });

  it('makes a shorter reply a prefix of the longer one, as a cut-off generation would be', () => {
    expect(replyPieces('m', 'p', 16).slice(0, 4)).toEqual(replyPieces('m', 'p', 4));
  });

  it('gives no pieces for zero tokens', () => {
    expect(replyPieces('m', 'p', 0)).toEqual([]);
  });
});

describe('planCompletion', () => {
  it('uses the natural length when no limit is set or the limit is not below it', () => {
    expect(planCompletion(undefined, 16)).toEqual({ tokens: 16, truncated: false });
    expect(planCompletion(16, 16)).toEqual({ tokens: 16, truncated: false });
    expect(planCompletion(100, 16)).toEqual({ tokens: 16, truncated: false });
  });

  it('cuts to the limit and says so when the limit is below the natural length', () => {
    expect(planCompletion(3, 16)).toEqual({ tokens: 3, truncated: true });
  });
});

describe('countPromptTokens', () => {
  it('counts 3 per message plus ceil(UTF-8 bytes / 4)', () => {
    expect(countPromptTokens([])).toBe(0);
    expect(countPromptTokens([''])).toBe(3);
    expect(countPromptTokens(['hello there'])).toBe(3 + 3); // 11 bytes
    expect(countPromptTokens(['abcd', 'abcde'])).toBe(3 + 1 + 3 + 2);
    expect(countPromptTokens(['ééé'])).toBe(3 + 2); // 6 bytes in UTF-8
  });
});
