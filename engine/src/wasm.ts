/**
 * Loads the WebAssembly core. The module is compiled once per process; every compiled policy
 * gets its own instance (its own memory), so a reload or a `diff` of two policies never shares
 * state between programs.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ABI_VERSION, CORE_EXPORTS, type CoreExports } from './abi.js';
import { EngineError } from './errors.js';
import { packagePath } from './package-root.js';

let compiled: WebAssembly.Module | undefined;

/** Path of the built core; works from the TypeScript sources and from dist/. */
export function coreWasmPath(): string {
  const path = packagePath('engine', 'build', 'core.wasm');
  if (existsSync(path)) return path;
  throw new EngineError('SY_ENGINE_MISSING', 'engine/build/core.wasm not found: run `npm run build:wasm`');
}

/** The compiled core module, compiled on first use. */
export function coreModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(coreWasmPath()));
  return compiled;
}

/** A fresh core instance whose ABI version matches this host. */
export function instantiateCore(): CoreExports {
  const instance = new WebAssembly.Instance(coreModule(), {
    env: {
      // The core aborts only when it cannot allocate; surface that as an engine error.
      abort(): never {
        throw new EngineError('SY_ENGINE_ABORT', 'the decision core ran out of memory');
      },
    },
  });
  const exports = instance.exports as unknown as CoreExports;
  for (const name of CORE_EXPORTS) {
    if (!(name in exports)) throw new EngineError('SY_ENGINE_ABI', `core export ${name} is missing`);
  }
  const version = exports.ABI_VERSION.value as number;
  if (version !== ABI_VERSION) {
    throw new EngineError('SY_ENGINE_ABI', `core ABI version ${version}, host expects ${ABI_VERSION}: rebuild with \`npm run build\``);
  }
  return exports;
}
