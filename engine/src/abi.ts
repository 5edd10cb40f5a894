/**
 * The core's binary interface, mirrored from engine/assembly/layout.ts (diagrams there).
 * test/unit/engine/src/abi.test.ts checks every number here against that file and the export
 * list against the built module, so the two cannot drift apart silently.
 */

export const ABI_VERSION = 1;
export const NO_ID = 0xffffffff;

export const REQ_MODEL_ID = 0;
export const REQ_FLAGS = 4;
export const REQ_MESSAGE_COUNT = 8;
export const REQ_MAX_TOKENS = 12;
export const REQ_PRIORITY = 16;
export const REQ_KEY_ID = 20;
export const REQ_TEAM_ID = 24;
export const REQ_USER_ID = 28;
export const REQ_SESSION_ID = 32;
export const REQ_UTC_HOUR = 36;
export const REQ_WEEKDAY = 40;
export const REQ_TEXT_LEN = 44;
export const REQ_META_COUNT = 48;
export const REQ_META = 56;
export const REQ_META_MAX = 16;
export const REQUEST_SIZE = 192;

export const FLAG_STREAM = 1;
export const FLAG_TOOLS = 2;
export const FLAG_IMAGES = 4;
export const FLAG_JSON_MODE = 8;
export const FLAG_MAX_TOKENS_SET = 16;

export const SNAP_CIRCUIT = 0;
export const SNAP_LATENCY_EWMA_MS = 8;
export const SNAP_ERROR_RATE = 16;
export const SNAP_ENTRY_SIZE = 24;

export const CIRCUIT_CLOSED = 0;
export const CIRCUIT_OPEN = 1;
export const CIRCUIT_HALF_OPEN = 2;
export const CIRCUIT_UNAVAILABLE = 3;

export const DEC_STATUS = 0;
export const DEC_ROUTE_INDEX = 4;
export const DEC_CANDIDATE_COUNT = 8;
export const DEC_MAX_TOKENS = 12;
export const DEC_TIER = 16;
export const DEC_CACHE_MODE = 20;
export const DEC_PROMPT_TOKENS = 24;
export const DEC_PROMPT_TOKENS_EXACT = 28;
export const DEC_CANDIDATES = 64;
export const DEC_CANDIDATE_SIZE = 24;
export const DEC_CAND_MODEL = 0;
export const DEC_CAND_EXCLUDED = 4;
export const DEC_CAND_COST_USD = 8;
export const DEC_CANDIDATES_MAX = 32;
export const DECISION_SIZE = 832;

export const STATUS_OK = 0;
export const STATUS_NO_ROUTE = 1;
export const STATUS_NO_PROGRAM = 2;

export const EXCLUDED_NONE = 0;
export const EXCLUDED_UNAVAILABLE = 1;
export const EXCLUDED_CIRCUIT_OPEN = 2;

export const PROGRAM_MAGIC = 0x31505953;
export const PROGRAM_FORMAT = 1;
export const PROGRAM_HEADER_SIZE = 24;
export const PROGRAM_MODEL_SIZE = 24;

export const LOAD_OK = 0;
export const LOAD_BAD_MAGIC = 1;
export const LOAD_BAD_FORMAT = 2;
export const LOAD_TRUNCATED = 3;
export const LOAD_BAD_REFERENCE = 4;

/** The functions and globals the core exports; nothing else may appear. */
export const CORE_EXPORTS = [
  'ABI_VERSION', 'requestPtr', 'decisionPtr', 'reserveText', 'reserveSnapshot', 'reserveProgram',
  'loadProgram', 'decide', 'memory',
] as const;

/** The core's exports as the host calls them. */
export interface CoreExports {
  ABI_VERSION: WebAssembly.Global;
  memory: WebAssembly.Memory;
  requestPtr(): number;
  decisionPtr(): number;
  reserveText(len: number): number;
  reserveSnapshot(entries: number): number;
  reserveProgram(len: number): number;
  loadProgram(len: number): number;
  decide(snapshotEntries: number): number;
}
