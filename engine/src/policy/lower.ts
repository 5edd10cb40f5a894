/**
 * Lowers a checked Policy into the binary program the core evaluates (layout drawn in
 * engine/assembly/layout.ts). Strings the policy compares (model aliases, metadata keys and
 * values) are interned here, once, so the core compares integers and never sees text.
 */
import { PROGRAM_MAGIC, PROGRAM_FORMAT, PROGRAM_HEADER_SIZE, PROGRAM_MODEL_SIZE } from '../abi.js';
import type { Policy } from './types.js';

/** A policy ready to serve: the checked policy, its program bytes and its string table. */
export interface CompiledPolicy {
  policy: Policy;
  program: Uint8Array;
  /** Interned id of every string the program compares against. */
  strings: ReadonlyMap<string, number>;
  /** Program model index of each model name. */
  modelIndex: ReadonlyMap<string, number>;
}

/** Program bytes and string table for a checked policy. */
export function lowerPolicy(policy: Policy): CompiledPolicy {
  const strings = new Map<string, number>();
  const intern = (s: string): number => {
    let id = strings.get(s);
    if (id === undefined) {
      id = strings.size;
      strings.set(s, id);
    }
    return id;
  };
  const modelIndex = new Map<string, number>();
  policy.models.forEach((m, i) => modelIndex.set(m.name, i));
  const providerIndex = new Map<string, number>();
  policy.providers.forEach((p, i) => providerIndex.set(p.name, i));

  const routeWords: number[][] = policy.routes.map((route) => [
    route.matchModels.length,
    route.matchMetadata.length,
    route.candidates.length,
    ...route.matchModels.map(intern),
    ...route.matchMetadata.flatMap(([k, v]) => [intern(k), intern(v)]),
    ...route.candidates.map((name) => indexOf(modelIndex, name, route.name)),
  ]);

  const size = PROGRAM_HEADER_SIZE + policy.models.length * PROGRAM_MODEL_SIZE
    + routeWords.reduce((n, words) => n + words.length * 4, 0);
  const program = new Uint8Array(size);
  const view = new DataView(program.buffer);
  view.setUint32(0, PROGRAM_MAGIC, true);
  view.setUint32(4, PROGRAM_FORMAT, true);
  view.setUint32(8, policy.models.length, true);
  view.setUint32(12, policy.routes.length, true);
  let at = PROGRAM_HEADER_SIZE;
  for (const model of policy.models) {
    view.setUint32(at, indexOf(providerIndex, model.provider, model.name), true);
    view.setUint32(at + 4, model.contextWindow, true);
    view.setFloat64(at + 8, model.inputPerMTok, true);
    view.setFloat64(at + 16, model.outputPerMTok, true);
    at += PROGRAM_MODEL_SIZE;
  }
  for (const words of routeWords) {
    for (const word of words) {
      view.setUint32(at, word, true);
      at += 4;
    }
  }
  return { policy, program, strings, modelIndex };
}

function indexOf(index: ReadonlyMap<string, number>, name: string, owner: string): number {
  const i = index.get(name);
  // The checker rejects dangling references before lowering; reaching this is a compiler bug.
  if (i === undefined) throw new Error(`lower: ${owner} refers to undeclared ${name}`);
  return i;
}
