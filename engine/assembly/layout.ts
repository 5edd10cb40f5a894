// Byte layouts shared by the core and the host (engine/src/abi.ts mirrors every number here;
// test/unit/engine/src/abi.test.ts pins both against the running module). All fields are
// little-endian. The host writes REQUEST and SNAPSHOT, the core writes DECISION.

/** Bumped on any change to a layout below or to the export list. */
export const ABI_VERSION: u32 = 1;

/** An interned-string id that no policy string has: a request value the policy never names. */
export const NO_ID: u32 = 0xffffffff;

// REQUEST: the features of one request.
//
//   0        4        8        12       16
//   +--------+--------+--------+--------+
//   |model_id| flags  |msg_cnt |max_toks|   0
//   +--------+--------+--------+--------+
//   |priority|key_id  |team_id |user_id |  16
//   +--------+--------+--------+--------+
//   |sess_id |utc_hour|weekday |text_len|  32
//   +--------+--------+--------+--------+
//   |meta_cnt|reserved|  meta[0..16): (key_id, value_id) pairs  48..176
//   +--------+--------+-----------------
//
// The message text itself (UTF-8) lives in the separate text buffer; `text_len` says how many
// bytes of it belong to this request. Token counts and complexity features are computed by the
// core from that text, so they have no slot here.
export const REQ_MODEL_ID: u32 = 0;
export const REQ_FLAGS: u32 = 4;
export const REQ_MESSAGE_COUNT: u32 = 8;
export const REQ_MAX_TOKENS: u32 = 12;
export const REQ_PRIORITY: u32 = 16;
export const REQ_KEY_ID: u32 = 20;
export const REQ_TEAM_ID: u32 = 24;
export const REQ_USER_ID: u32 = 28;
export const REQ_SESSION_ID: u32 = 32;
export const REQ_UTC_HOUR: u32 = 36;
export const REQ_WEEKDAY: u32 = 40;
export const REQ_TEXT_LEN: u32 = 44;
export const REQ_META_COUNT: u32 = 48;
export const REQ_META: u32 = 56;
export const REQ_META_MAX: u32 = 16;
export const REQUEST_SIZE: u32 = 192;

// REQ_FLAGS bits
export const FLAG_STREAM: u32 = 1;
export const FLAG_TOOLS: u32 = 2;
export const FLAG_IMAGES: u32 = 4;
export const FLAG_JSON_MODE: u32 = 8;
export const FLAG_MAX_TOKENS_SET: u32 = 16;

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
//   |  tier  |cache_md|prompt_t|p_exact |  16
//   +--------+--------+--------+--------+
//   |              reserved             |  32..64
//   +-----------------------------------+
//   | candidates[0..32): 24 bytes each  |  64..832
//
//   candidate: model_ix u32 | excluded u32 (0 = eligible, else an EXCLUDED_* reason) |
//              est_cost_usd f64 | reserved u64
export const DEC_STATUS: u32 = 0;
export const DEC_ROUTE_INDEX: u32 = 4;
export const DEC_CANDIDATE_COUNT: u32 = 8;
export const DEC_MAX_TOKENS: u32 = 12;
export const DEC_TIER: u32 = 16;
export const DEC_CACHE_MODE: u32 = 20;
export const DEC_PROMPT_TOKENS: u32 = 24;
export const DEC_PROMPT_TOKENS_EXACT: u32 = 28;
export const DEC_CANDIDATES: u32 = 64;
export const DEC_CANDIDATE_SIZE: u32 = 24;
export const DEC_CAND_MODEL: u32 = 0;
export const DEC_CAND_EXCLUDED: u32 = 4;
export const DEC_CAND_COST_USD: u32 = 8;
export const DEC_CANDIDATES_MAX: u32 = 32;
export const DECISION_SIZE: u32 = 832;

// DEC_STATUS values
export const STATUS_OK: u32 = 0;
export const STATUS_NO_ROUTE: u32 = 1;
export const STATUS_NO_PROGRAM: u32 = 2;

// DEC_CAND_EXCLUDED reasons
export const EXCLUDED_NONE: u32 = 0;
export const EXCLUDED_UNAVAILABLE: u32 = 1;
export const EXCLUDED_CIRCUIT_OPEN: u32 = 2;

// PROGRAM: what engine/src/policy/lower.ts emits.
//
//   header (24 bytes): magic "SYP1" u32 | format u32 | model_count u32 | route_count u32 |
//                      reserved u64
//   models: model_count x 24 bytes: provider_ix u32 | context_window u32 |
//                                   input_usd_per_mtok f64 | output_usd_per_mtok f64
//   routes: route_count x variable: match_model_count u32 | match_meta_count u32 |
//           candidate_count u32 | model ids u32[match_model_count] |
//           (key_id, value_id) u32 pairs[match_meta_count] | model indices u32[candidate_count]
export const PROGRAM_MAGIC: u32 = 0x31505953; // "SYP1"
export const PROGRAM_FORMAT: u32 = 1;
export const PROGRAM_HEADER_SIZE: u32 = 24;
export const PROGRAM_MODEL_SIZE: u32 = 24;

// loadProgram results
export const LOAD_OK: u32 = 0;
export const LOAD_BAD_MAGIC: u32 = 1;
export const LOAD_BAD_FORMAT: u32 = 2;
export const LOAD_TRUNCATED: u32 = 3;
export const LOAD_BAD_REFERENCE: u32 = 4;
