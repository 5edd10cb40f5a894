/**
 * The core's binary interface, mirrored from engine/assembly/layout.ts (diagrams there).
 * test/unit/engine/src/abi.test.ts checks every number here against that file and the export
 * list against the built module, so the two cannot drift apart silently.
 */

export const ABI_VERSION = 2;

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
export const REQ_SEGMENT_COUNT = 52;
export const REQ_META = 56;
export const REQ_META_MAX = 16;
export const REQ_CONTENT_LEN = 184;
export const REQ_IMAGE_COUNT = 188;
export const REQ_IMAGE_TILES = 192;
export const REQ_TOOL_TOKENS_O200K = 196;
export const REQ_TOOL_TOKENS_CL100K = 200;
export const REQ_TOOL_CHARS = 204;
export const REQ_TURNS = 208;

export const REQUEST_SIZE = 256;

export const FLAG_STREAM = 1;
export const FLAG_TOOLS = 2;
export const FLAG_IMAGES = 4;
export const FLAG_JSON_MODE = 8;
export const FLAG_MAX_TOKENS_SET = 16;

export const SEG_OFFSET = 0;
export const SEG_LENGTH = 4;
export const SEG_KIND = 8;

export const SEGMENT_SIZE = 12;

export const SEG_ROLE = 0;
export const SEG_CONTENT = 1;
export const SEG_NAME = 2;

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
export const DEC_TURNS = 32;
export const DEC_OUTPUT_TOKENS = 36;
export const DEC_COMPLEXITY = 40;
export const DEC_FEATURES = 64;
export const DEC_FEATURES_MAX = 256;
export const DEC_CANDIDATES = 320;
export const DEC_CANDIDATE_SIZE = 48;
export const DEC_CAND_MODEL = 0;
export const DEC_CAND_EXCLUDED = 4;
export const DEC_CAND_PROMPT_TOKENS = 8;
export const DEC_CAND_FLAGS = 12;
export const DEC_CAND_OUTPUT_TOKENS = 16;
export const DEC_CAND_COST_USD = 24;
export const DEC_CAND_BATCH_COST_USD = 32;
export const DEC_CANDIDATES_MAX = 32;

export const DECISION_SIZE = 1856;

export const CAND_EXACT = 1;

export const STATUS_OK = 0;
export const STATUS_NO_ROUTE = 1;
export const STATUS_NO_PROGRAM = 2;

export const EXCLUDED_NONE = 0;
export const EXCLUDED_UNAVAILABLE = 1;
export const EXCLUDED_CIRCUIT_OPEN = 2;
export const EXCLUDED_CONTEXT = 3;

export const TOKENIZER_O200K = 0;
export const TOKENIZER_CL100K = 1;
export const TOKENIZER_ESTIMATE = 2;

export const PROGRAM_MAGIC = 0x31505953;
export const PROGRAM_FORMAT = 2;
export const PROGRAM_HEADER_SIZE = 24;
export const PROGRAM_MODEL_SIZE = 64;

export const PM_PROVIDER = 0;
export const PM_CONTEXT_WINDOW = 4;
export const PM_TOKENIZER = 8;
export const PM_IMAGE_BASE = 12;
export const PM_IMAGE_TILE = 16;
export const PM_INPUT_PRICE = 24;
export const PM_CACHED_INPUT_PRICE = 32;
export const PM_OUTPUT_PRICE = 40;
export const PM_BATCH_DISCOUNT = 48;
export const PM_CHARS_PER_TOKEN = 56;

export const PROGRAM_ROUTE_HEADER_SIZE = 40;

export const PR_MATCH_MODELS = 0;
export const PR_MATCH_META = 4;
export const PR_CANDIDATES = 8;
export const PR_EXPECTED_OUTPUT = 12;
export const PR_TOKENS_MIN = 16;
export const PR_TOKENS_MAX = 20;
export const PR_COMPLEXITY_MIN = 24;
export const PR_COMPLEXITY_MAX = 32;

export const LOAD_OK = 0;
export const LOAD_BAD_MAGIC = 1;
export const LOAD_BAD_FORMAT = 2;
export const LOAD_TRUNCATED = 3;
export const LOAD_BAD_REFERENCE = 4;

/** The functions and globals the core exports; nothing else may appear. */
export const CORE_EXPORTS = [
  'ABI_VERSION', 'requestPtr', 'decisionPtr', 'reserveText', 'reserveSegments', 'reserveSnapshot',
  'reserveProgram', 'loadProgram', 'decide', 'memory',
  'reserveVocab', 'loadVocab', 'countTokens',
  'embedText', 'cosine', 'vectorPtr',
  'computeFeatures', 'complexityScore', 'defaultWeightsPtr',
] as const;

/** The core's exports as the host calls them. */
export interface CoreExports {
  ABI_VERSION: WebAssembly.Global;
  memory: WebAssembly.Memory;
  requestPtr(): number;
  decisionPtr(): number;
  reserveText(len: number): number;
  reserveSegments(count: number): number;
  reserveSnapshot(entries: number): number;
  reserveProgram(len: number): number;
  loadProgram(len: number): number;
  decide(snapshotEntries: number): number;
  reserveVocab(encoding: number, len: number): number;
  loadVocab(encoding: number, len: number): number;
  countTokens(encoding: number, ptr: number, len: number): number;
  embedText(ptr: number, len: number): number;
  cosine(a: number, b: number): number;
  vectorPtr(slot: number): number;
  computeFeatures(ptr: number, len: number, tokens: number, turns: number, out: number): void;
  complexityScore(features: number, weights: number): number;
  defaultWeightsPtr(): number;
}
