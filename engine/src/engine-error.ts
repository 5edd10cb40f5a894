/** Codes of failures inside the engine itself (not the user's policy or request). */
export const ENGINE_ERROR_CODES = {
  SY_ENGINE_MISSING: 'the built WebAssembly core is not on disk',
  SY_ENGINE_ABI: 'the core and the host disagree on the binary interface',
  SY_ENGINE_ABORT: 'the core aborted (out of memory)',
  SY_ENGINE_PROGRAM: 'the core refused a compiled program',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

/** A failure of the engine's own machinery; a bug or a broken build, never user input. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
  }
}
