// Byte layouts shared by the core and the host (engine/src/abi.ts mirrors every number here;
// test/unit/engine/src/abi.test.ts pins both against the running module). All fields are
// little-endian. The host writes REQUEST and SNAPSHOT, the core writes DECISION.

/** Bumped on any change to a layout below or to the export list. */
export const ABI_VERSION: u32 = 6;

/** An interned-string id that no policy string has: a request value the policy never names. */
export const NO_ID: u32 = 0xffffffff;

// REQUEST: the features of one request.
//
//   0        4        8        12       16
//   +--------+--------+--------+--------+
//   |model_id| flags  |msg_cnt |max_toks|   0
//   +--------+--------+--------+--------+
//   |         reserved (16..44)          |  16
//   +--------+--------+--------+--------+
//   |                 |        |text_len|  32
//   +--------+--------+--------+--------+
//   |meta_cnt|seg_cnt |  meta[0..16): (key_id, value_id) pairs  56..184
//   +--------+--------+-----------------
//   |cont_len|img_cnt |img_tile|tool_o2k|  184   tool_o2k / tool_cl: tokens of the tool
//   +--------+--------+--------+--------+        definitions, counted by the host with this
//   |tool_cl |tool_chr| turns  |reserved|  200   core's own countTokens (OpenAI's formula)
//   +--------+--------+--------+--------+
//   |call_off|call_len|user_off|user_len|  212   the strings a weighted route splits by:
//   +--------+--------+--------+--------+        caller key, user, session, as (offset, length)
//   |sess_off|sess_len|env_num |env_str |  228   in the text buffer
//   +--------+--------+--------+--------+
//   |        |pre_o2k |pre_cl  |pre_chr |  240   PRECOUNTED (FLAG_PRECOUNTED): the prompt's
//   +--------+--------+--------+--------+        counts, as recorded traffic carries them,
//   |pre_feat|forced  |img_ptch| reserved up to 320   and the offset of its FEATURES record in the
//   +--------+--------+--------+----------        text buffer; the core then counts nothing.
//                                                 forced: a route index every match skips to
//                                                 (a budget's downgrade), NO_ID for none
//
// Images arrive two ways, one per formula of OpenAI's vision guide, and a model's record says
// which prices them: img_cnt and img_tile (512-px tiles at high detail) for the tile formula,
// img_ptch (32-px patches at the 1536-patch budget, summed over the images) for the patch one.
//
// What conditions read besides the features lives in the text buffer too, after the strings:
// at env_num (8-aligned offset) the f64 NUM slots, at env_str the (offset, length) u32 pairs of
// the STR slots; engine/src/policy/expr allocates both.
//
// The text buffer holds the message contents first, joined by "\n" (`cont_len` bytes: what
// features and embeddings read), then every role and name. The segment table (reserveSegments)
// says where each piece is: one SEGMENT per role, content and name, in message order; a ROLE
// segment starts a message. Token counts are the core's work, so they have no slot here.
export const REQ_MODEL_ID: u32 = 0;
export const REQ_FLAGS: u32 = 4;
export const REQ_MESSAGE_COUNT: u32 = 8;
export const REQ_MAX_TOKENS: u32 = 12;
export const REQ_TEXT_LEN: u32 = 44;
export const REQ_META_COUNT: u32 = 48;
export const REQ_SEGMENT_COUNT: u32 = 52;
export const REQ_META: u32 = 56;
export const REQ_META_MAX: u32 = 16;
export const REQ_CONTENT_LEN: u32 = 184;
export const REQ_IMAGE_COUNT: u32 = 188;
export const REQ_IMAGE_TILES: u32 = 192;
export const REQ_TOOL_TOKENS_O200K: u32 = 196;
export const REQ_TOOL_TOKENS_CL100K: u32 = 200;
export const REQ_TOOL_CHARS: u32 = 204;
export const REQ_TURNS: u32 = 208;
export const REQ_SPLIT_CALLER: u32 = 212;
export const REQ_SPLIT_USER: u32 = 220;
export const REQ_SPLIT_SESSION: u32 = 228;
export const REQ_ENV_NUMS: u32 = 236;
export const REQ_ENV_STRS: u32 = 240;
export const REQ_PRE_O200K: u32 = 244;
export const REQ_PRE_CL100K: u32 = 248;
export const REQ_PRE_CHARS: u32 = 252;
export const REQ_PRE_FEATURES: u32 = 256;
export const REQ_FORCE_ROUTE: u32 = 260;
export const REQ_IMAGE_PATCHES: u32 = 264;
export const REQUEST_SIZE: u32 = 320;

// REQ_FLAGS bits
export const FLAG_STREAM: u32 = 1;
export const FLAG_TOOLS: u32 = 2;
export const FLAG_IMAGES: u32 = 4;
export const FLAG_JSON_MODE: u32 = 8;
export const FLAG_MAX_TOKENS_SET: u32 = 16;
/** The prompt's counts and features are in the PRE fields: the text is not there to count. */
export const FLAG_PRECOUNTED: u32 = 32;
/** With FLAG_PRECOUNTED: pre_cl100k is scaled from o200k, so cl100k counts are estimates. */
export const FLAG_CL100K_ESTIMATED: u32 = 64;
/** An embeddings request (POST /v1/embeddings): only embedding models may serve it. */
export const FLAG_EMBEDDING: u32 = 128;
/** The request asks for log probabilities (logprobs: true, or top_logprobs above 0). */
export const FLAG_LOGPROBS: u32 = 256;
/** The request asks for more than one choice (n > 1). */
export const FLAG_MULTIPLE_CHOICES: u32 = 512;

// SEGMENT: one piece of a chat prompt in the text buffer, 12 bytes.
//   offset u32 | length u32 | kind u32
export const SEG_OFFSET: u32 = 0;
export const SEG_LENGTH: u32 = 4;
export const SEG_KIND: u32 = 8;
export const SEGMENT_SIZE: u32 = 12;
export const SEG_ROLE: u32 = 0;
export const SEG_CONTENT: u32 = 1;
export const SEG_NAME: u32 = 2;

// SNAPSHOT: live state per model, indexed by the program's model index.
//
//   0          4          8                   16                  24
//   +----------+----------+-------------------+-------------------+
//   | circuit  | reserved | latency_ewma_ms f64 | error_rate f64  |  one 24-byte entry per model
//   +----------+----------+-------------------+-------------------+
//
// The host sizes it to the program's model count; a zeroed entry means "closed, no data".
export const SNAP_CIRCUIT: u32 = 0;
export const SNAP_LATENCY_EWMA_MS: u32 = 8;
export const SNAP_ERROR_RATE: u32 = 16;
export const SNAP_ENTRY_SIZE: u32 = 24;

// SNAP_CIRCUIT values
export const CIRCUIT_CLOSED: u32 = 0;
export const CIRCUIT_OPEN: u32 = 1;
export const CIRCUIT_HALF_OPEN: u32 = 2;
/** The provider cannot be called at all (e.g. its API key variable is unset). */
export const CIRCUIT_UNAVAILABLE: u32 = 3;

// DECISION: what the core decided.
//
//   0        4        8        12       16
//   +--------+--------+--------+--------+
//   | status |route_ix|cand_cnt|max_toks|   0   max_toks: 0 = leave the request's as it is
//   +--------+--------+--------+--------+
//   |  tier  |cache_md|prompt_t|p_exact |  16  prompt_t: o200k_base count with chat overhead
//   +--------+--------+--------+--------+
//   | turns  |out_toks| complexity f64  |  32  out_toks: expected output tokens
//   +--------+--------+--------+--------+
//   |strategy|retries |trail_n |reserved|  48
//   +--------+--------+--------+--------+
//   | FEATURES record (features-layout) |  64..320
//   +-----------------------------------+
//   | candidates[0..32): 48 bytes each  |  320..1856  in the order to try
//   +-----------------------------------+
//   | trail[0..64): 8 bytes each        |  1856..2368 route_ix u32 | TRAIL_* outcome u32
//
//   candidate: model_ix u32 | excluded u32 (0 = eligible, else an EXCLUDED_* reason) |
//              prompt_tokens u32 | flags u32 (CAND_EXACT) | output_tokens u32 |
//              via_route u32 (the route that contributed it: matched or a fallback) |
//              est_cost_usd f64 | batch_cost_usd f64 | reserved f64
export const DEC_STATUS: u32 = 0;
export const DEC_ROUTE_INDEX: u32 = 4;
export const DEC_CANDIDATE_COUNT: u32 = 8;
export const DEC_MAX_TOKENS: u32 = 12;
export const DEC_TIER: u32 = 16;
export const DEC_CACHE_MODE: u32 = 20;
export const DEC_PROMPT_TOKENS: u32 = 24;
export const DEC_PROMPT_TOKENS_EXACT: u32 = 28;
export const DEC_TURNS: u32 = 32;
export const DEC_OUTPUT_TOKENS: u32 = 36;
export const DEC_COMPLEXITY: u32 = 40;
export const DEC_STRATEGY: u32 = 48;
export const DEC_RETRIES: u32 = 52;
export const DEC_TRAIL_COUNT: u32 = 56;
export const DEC_FEATURES: u32 = 64;
export const DEC_FEATURES_MAX: u32 = 256;
export const DEC_CANDIDATES: u32 = 320;
export const DEC_CANDIDATE_SIZE: u32 = 48;
export const DEC_CAND_MODEL: u32 = 0;
export const DEC_CAND_EXCLUDED: u32 = 4;
export const DEC_CAND_PROMPT_TOKENS: u32 = 8;
export const DEC_CAND_FLAGS: u32 = 12;
export const DEC_CAND_OUTPUT_TOKENS: u32 = 16;
export const DEC_CAND_VIA_ROUTE: u32 = 20;
export const DEC_CAND_COST_USD: u32 = 24;
export const DEC_CAND_BATCH_COST_USD: u32 = 32;
export const DEC_CANDIDATES_MAX: u32 = 32;
export const DEC_TRAIL: u32 = 1856;
export const DEC_TRAIL_MAX: u32 = 64;
export const DECISION_SIZE: u32 = 2368;
export const CAND_EXACT: u32 = 1;

// TRAIL outcomes: what happened to each route decide() looked at, in order
export const TRAIL_MATCHED: u32 = 0;
export const TRAIL_MODEL_MISMATCH: u32 = 1;
export const TRAIL_METADATA_MISMATCH: u32 = 2;
export const TRAIL_TOKENS_OUT_OF_RANGE: u32 = 3;
export const TRAIL_COMPLEXITY_OUT_OF_RANGE: u32 = 4;
export const TRAIL_WHEN_FALSE: u32 = 5;
/** The route's condition ran past the runtime step limit; it counts as false. */
export const TRAIL_STEP_LIMIT: u32 = 6;
/** Entered as the fallback of the route before it; its match is not checked. */
export const TRAIL_FALLBACK: u32 = 7;
/** Chosen without matching: a budget downgraded the request to it. */
export const TRAIL_FORCED: u32 = 8;

// Strategies
export const STRATEGY_ORDERED: u32 = 0;
export const STRATEGY_CHEAPEST: u32 = 1;
export const STRATEGY_FASTEST: u32 = 2;
export const STRATEGY_WEIGHTED: u32 = 3;

// Weighted split keys
export const SPLIT_CALLER: u32 = 0;
export const SPLIT_USER: u32 = 1;
export const SPLIT_SESSION: u32 = 2;

// Capability bits, in the model record and a route's requirements
export const CAP_TOOLS: u32 = 1;
export const CAP_VISION: u32 = 2;
export const CAP_JSON_MODE: u32 = 4;
/** The model is an embedding model (`type: embedding`): it serves embeddings, not chat. */
export const CAP_EMBEDDING: u32 = 8;
/** The model can return token log probabilities (logprobs / top_logprobs). */
export const CAP_LOGPROBS: u32 = 16;
/** The model can return several choices for one request (n > 1). */
export const CAP_MULTIPLE_CHOICES: u32 = 32;

// DEC_STATUS values
export const STATUS_OK: u32 = 0;
export const STATUS_NO_ROUTE: u32 = 1;
export const STATUS_NO_PROGRAM: u32 = 2;

// DEC_CAND_EXCLUDED reasons
export const EXCLUDED_NONE: u32 = 0;
export const EXCLUDED_UNAVAILABLE: u32 = 1;
export const EXCLUDED_CIRCUIT_OPEN: u32 = 2;
/** Prompt tokens plus expected output exceed the model's context window. */
export const EXCLUDED_CONTEXT: u32 = 3;
/** The output tokens asked for exceed the model's max_output_tokens. */
export const EXCLUDED_MAX_OUTPUT: u32 = 4;
export const EXCLUDED_NO_TOOLS: u32 = 5;
export const EXCLUDED_NO_VISION: u32 = 6;
export const EXCLUDED_NO_JSON_MODE: u32 = 7;
/** Lacks a capability the route's `require.capabilities` names. */
export const EXCLUDED_CAPABILITY_REQUIRED: u32 = 8;
export const EXCLUDED_QUALITY: u32 = 9;
export const EXCLUDED_OVER_COST_CAP: u32 = 10;
/** The model's latency EWMA in the snapshot is above the route's require.max_latency_ms. */
export const EXCLUDED_OVER_LATENCY: u32 = 11;
/** A chat request met an embedding model, or an embeddings request a chat model. */
export const EXCLUDED_WRONG_TYPE: u32 = 12;
export const EXCLUDED_NO_LOGPROBS: u32 = 13;
export const EXCLUDED_NO_MULTIPLE_CHOICES: u32 = 14;

// Tokenizer ids, in the program's model table
export const TOKENIZER_O200K: u32 = 0;
export const TOKENIZER_CL100K: u32 = 1;
export const TOKENIZER_ESTIMATE: u32 = 2;

// PROGRAM: what engine/src/policy/lower.ts emits.
//
//   header (24 bytes): magic "SYP1" u32 | format u32 | model_count u32 | route_count u32 |
//                      weight_count u32 | expr_section_len u32
//   models: model_count x 80 bytes:
//     provider_ix u32 | context_window u32 | tokenizer u32 | image_base u32 | image_tile u32 |
//     capabilities u32 (CAP_* bits) | input_usd_per_mtok f64 | cached_input f64 | output f64 |
//     batch_discount f64 | chars_per_token f64 | max_output u32 | quality u32 |
//     image_patch_mult u32 (hundredths; 0: the tile formula, else ceil(patches x mult / 100)) |
//     reserved u32
//   weights: weight_count x f64, the complexity score's weights then its bias (0 = defaults)
//   routes: route_count x (104-byte header + arrays):
//     match_model_count u32 | match_meta_count u32 | candidate_count u32 | expected_output u32 |
//     tokens_min u32 | tokens_max u32 | complexity_min f64 | complexity_max f64 |
//     when_expr u32 (expression index or NO_ID) | strategy u32 | min_quality u32 |
//     required_caps u32 | max_cost_usd f64 (+inf: none) | max_tokens_default u32 (0: none) |
//     max_tokens_max u32 (0: none) | retries u32 | fallback u32 (route index or NO_ID) |
//     split_by u32 | max_latency_ms u32 (0: none) | tier u32 (TIER_*) | reserved u32 |
//     cached_share f64 (share of the prompt expected from the provider's cache, 0..1) |
//     model ids u32[match_model_count] | (key_id, value_id) u32 pairs[match_meta_count] |
//     model indices u32[candidate_count] | weights u32[candidate_count]
//   expressions: expr_section_len bytes, the conditions' bytecode (format in expr.ts)
export const PROGRAM_MAGIC: u32 = 0x31505953; // "SYP1"
export const PROGRAM_FORMAT: u32 = 6;
export const PROGRAM_HEADER_SIZE: u32 = 24;
export const PROGRAM_MODEL_SIZE: u32 = 80;
export const PM_PROVIDER: u32 = 0;
export const PM_CONTEXT_WINDOW: u32 = 4;
export const PM_TOKENIZER: u32 = 8;
export const PM_IMAGE_BASE: u32 = 12;
export const PM_IMAGE_TILE: u32 = 16;
export const PM_CAPABILITIES: u32 = 20;
export const PM_INPUT_PRICE: u32 = 24;
export const PM_CACHED_INPUT_PRICE: u32 = 32;
export const PM_OUTPUT_PRICE: u32 = 40;
export const PM_BATCH_DISCOUNT: u32 = 48;
export const PM_CHARS_PER_TOKEN: u32 = 56;
export const PM_MAX_OUTPUT: u32 = 64;
export const PM_QUALITY: u32 = 68;
export const PM_IMAGE_PATCH_MULT: u32 = 72;
export const PROGRAM_ROUTE_HEADER_SIZE: u32 = 104;
export const PR_MATCH_MODELS: u32 = 0;
export const PR_MATCH_META: u32 = 4;
export const PR_CANDIDATES: u32 = 8;
export const PR_EXPECTED_OUTPUT: u32 = 12;
export const PR_TOKENS_MIN: u32 = 16;
export const PR_TOKENS_MAX: u32 = 20;
export const PR_COMPLEXITY_MIN: u32 = 24;
export const PR_COMPLEXITY_MAX: u32 = 32;
export const PR_WHEN: u32 = 40;
export const PR_STRATEGY: u32 = 44;
export const PR_MIN_QUALITY: u32 = 48;
export const PR_REQUIRED_CAPS: u32 = 52;
export const PR_MAX_COST: u32 = 56;
export const PR_MAX_TOKENS_DEFAULT: u32 = 64;
export const PR_MAX_TOKENS_MAX: u32 = 68;
export const PR_RETRIES: u32 = 72;
export const PR_FALLBACK: u32 = 76;
export const PR_SPLIT_BY: u32 = 80;
export const PR_MAX_LATENCY_MS: u32 = 84;
export const PR_TIER: u32 = 88;
export const PR_CACHED_SHARE: u32 = 96;

// Tiers: when the route's requests are served
export const TIER_REALTIME: u32 = 0;
/** The request can wait: the provider's batch tier, at its discount. */
export const TIER_BATCH: u32 = 1;

// loadProgram results
export const LOAD_OK: u32 = 0;
export const LOAD_BAD_MAGIC: u32 = 1;
export const LOAD_BAD_FORMAT: u32 = 2;
export const LOAD_TRUNCATED: u32 = 3;
export const LOAD_BAD_REFERENCE: u32 = 4;
/** The conditions' bytecode section was refused by the expression loader. */
export const LOAD_BAD_EXPRESSIONS: u32 = 5;
