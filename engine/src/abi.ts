/**
 * The core's binary interface, mirrored from engine/assembly/layout.ts (diagrams there).
 * test/unit/engine/src/abi.test.ts checks every number here against that file and the export
 * list against the built module, so the two cannot drift apart silently.
 */

export const ABI_VERSION = 6;

export const NO_ID = 0xffffffff;

export const REQ_MODEL_ID = 0;
export const REQ_FLAGS = 4;
export const REQ_MESSAGE_COUNT = 8;
export const REQ_MAX_TOKENS = 12;
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
export const REQ_SPLIT_CALLER = 212;
export const REQ_SPLIT_USER = 220;
export const REQ_SPLIT_SESSION = 228;
export const REQ_ENV_NUMS = 236;
export const REQ_ENV_STRS = 240;
export const REQ_PRE_O200K = 244;
export const REQ_PRE_CL100K = 248;
export const REQ_PRE_CHARS = 252;
export const REQ_PRE_FEATURES = 256;
export const REQ_FORCE_ROUTE = 260;
export const REQ_IMAGE_PATCHES = 264;

export const REQUEST_SIZE = 320;

export const FLAG_STREAM = 1;
export const FLAG_TOOLS = 2;
export const FLAG_IMAGES = 4;
export const FLAG_JSON_MODE = 8;
export const FLAG_MAX_TOKENS_SET = 16;
export const FLAG_PRECOUNTED = 32;
export const FLAG_CL100K_ESTIMATED = 64;
export const FLAG_EMBEDDING = 128;
export const FLAG_LOGPROBS = 256;
export const FLAG_MULTIPLE_CHOICES = 512;

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
export const DEC_STRATEGY = 48;
export const DEC_RETRIES = 52;
export const DEC_TRAIL_COUNT = 56;
export const DEC_FEATURES = 64;
export const DEC_FEATURES_MAX = 256;
export const DEC_CANDIDATES = 320;
export const DEC_CANDIDATE_SIZE = 48;
export const DEC_CAND_MODEL = 0;
export const DEC_CAND_EXCLUDED = 4;
export const DEC_CAND_PROMPT_TOKENS = 8;
export const DEC_CAND_FLAGS = 12;
export const DEC_CAND_OUTPUT_TOKENS = 16;
export const DEC_CAND_VIA_ROUTE = 20;
export const DEC_CAND_COST_USD = 24;
export const DEC_CAND_BATCH_COST_USD = 32;
export const DEC_CANDIDATES_MAX = 32;
export const DEC_TRAIL = 1856;
export const DEC_TRAIL_MAX = 64;

export const DECISION_SIZE = 2368;

export const CAND_EXACT = 1;

export const TRAIL_MATCHED = 0;
export const TRAIL_MODEL_MISMATCH = 1;
export const TRAIL_METADATA_MISMATCH = 2;
export const TRAIL_TOKENS_OUT_OF_RANGE = 3;
export const TRAIL_COMPLEXITY_OUT_OF_RANGE = 4;
export const TRAIL_WHEN_FALSE = 5;
export const TRAIL_STEP_LIMIT = 6;
export const TRAIL_FALLBACK = 7;
export const TRAIL_FORCED = 8;

export const STRATEGY_ORDERED = 0;
export const STRATEGY_CHEAPEST = 1;
export const STRATEGY_FASTEST = 2;
export const STRATEGY_WEIGHTED = 3;

export const SPLIT_CALLER = 0;
export const SPLIT_USER = 1;
export const SPLIT_SESSION = 2;

export const CAP_TOOLS = 1;
export const CAP_VISION = 2;
export const CAP_JSON_MODE = 4;
export const CAP_EMBEDDING = 8;
export const CAP_LOGPROBS = 16;
export const CAP_MULTIPLE_CHOICES = 32;

export const STATUS_OK = 0;
export const STATUS_NO_ROUTE = 1;
export const STATUS_NO_PROGRAM = 2;

export const EXCLUDED_NONE = 0;
export const EXCLUDED_UNAVAILABLE = 1;
export const EXCLUDED_CIRCUIT_OPEN = 2;
export const EXCLUDED_CONTEXT = 3;
export const EXCLUDED_MAX_OUTPUT = 4;
export const EXCLUDED_NO_TOOLS = 5;
export const EXCLUDED_NO_VISION = 6;
export const EXCLUDED_NO_JSON_MODE = 7;
export const EXCLUDED_CAPABILITY_REQUIRED = 8;
export const EXCLUDED_QUALITY = 9;
export const EXCLUDED_OVER_COST_CAP = 10;
export const EXCLUDED_OVER_LATENCY = 11;
export const EXCLUDED_WRONG_TYPE = 12;
export const EXCLUDED_NO_LOGPROBS = 13;
export const EXCLUDED_NO_MULTIPLE_CHOICES = 14;

export const TOKENIZER_O200K = 0;
export const TOKENIZER_CL100K = 1;
export const TOKENIZER_ESTIMATE = 2;

export const PROGRAM_MAGIC = 0x31505953;
export const PROGRAM_FORMAT = 6;
export const PROGRAM_HEADER_SIZE = 24;
export const PROGRAM_MODEL_SIZE = 80;

export const PM_PROVIDER = 0;
export const PM_CONTEXT_WINDOW = 4;
export const PM_TOKENIZER = 8;
export const PM_IMAGE_BASE = 12;
export const PM_IMAGE_TILE = 16;
export const PM_CAPABILITIES = 20;
export const PM_INPUT_PRICE = 24;
export const PM_CACHED_INPUT_PRICE = 32;
export const PM_OUTPUT_PRICE = 40;
export const PM_BATCH_DISCOUNT = 48;
export const PM_CHARS_PER_TOKEN = 56;
export const PM_MAX_OUTPUT = 64;
export const PM_QUALITY = 68;
export const PM_IMAGE_PATCH_MULT = 72;

export const PROGRAM_ROUTE_HEADER_SIZE = 104;

export const PR_MATCH_MODELS = 0;
export const PR_MATCH_META = 4;
export const PR_CANDIDATES = 8;
export const PR_EXPECTED_OUTPUT = 12;
export const PR_TOKENS_MIN = 16;
export const PR_TOKENS_MAX = 20;
export const PR_COMPLEXITY_MIN = 24;
export const PR_COMPLEXITY_MAX = 32;
export const PR_WHEN = 40;
export const PR_STRATEGY = 44;
export const PR_MIN_QUALITY = 48;
export const PR_REQUIRED_CAPS = 52;
export const PR_MAX_COST = 56;
export const PR_MAX_TOKENS_DEFAULT = 64;
export const PR_MAX_TOKENS_MAX = 68;
export const PR_RETRIES = 72;
export const PR_FALLBACK = 76;
export const PR_SPLIT_BY = 80;
export const PR_MAX_LATENCY_MS = 84;
export const PR_TIER = 88;
export const PR_CACHED_SHARE = 96;

export const TIER_REALTIME = 0;
export const TIER_BATCH = 1;

export const LOAD_OK = 0;
export const LOAD_BAD_MAGIC = 1;
export const LOAD_BAD_FORMAT = 2;
export const LOAD_TRUNCATED = 3;
export const LOAD_BAD_REFERENCE = 4;
export const LOAD_BAD_EXPRESSIONS = 5;

/** The functions and globals the core exports; nothing else may appear. */
export const CORE_EXPORTS = [
  'ABI_VERSION', 'requestPtr', 'decisionPtr', 'reserveText', 'reserveSegments', 'reserveSnapshot',
  'reserveProgram', 'loadProgram', 'decide', 'memory',
  'reserveVocab', 'loadVocab', 'countTokens',
  'embedText', 'cosine', 'vectorPtr',
  'computeFeatures', 'complexityScore', 'defaultWeightsPtr',
  'loadExpressions', 'evalExpression',
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
  loadExpressions(ptr: number, len: number): number;
  evalExpression(index: number, features: number, nums: number, strs: number, text: number): number;
}
