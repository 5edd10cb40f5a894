/**
 * The conditions' bytecode: opcodes, section layout, bounds and load codes, mirrored from
 * engine/assembly/expr.ts (byte diagram and semantics there). test/unit/engine/src/policy/expr/
 * bytecode.test.ts checks every number here against that file.
 */

/** Section header: expr_count | num_slots | str_slots | pool_offset, u32 each. */
export const EXPR_HEADER_SIZE = 16;
export const EXPR_MAX_INSTRUCTIONS = 256;
export const EXPR_MAX_LIST = 64;
export const EXPR_MAX_STRING_BYTES = 256;
export const EXPR_STEP_LIMIT = 4096;
export const EXPR_SCAN_BYTES_PER_STEP = 16;

// Instruction word: op u8 | a u8 | b u16 (little-endian).
export const OP_FEAT = 0x01;
export const OP_NUM = 0x02;
export const OP_CONST = 0x03;
export const OP_STR = 0x04;
export const OP_STRLIT = 0x05;
export const OP_EQ = 0x10;
export const OP_NE = 0x11;
export const OP_LT = 0x12;
export const OP_LE = 0x13;
export const OP_GT = 0x14;
export const OP_GE = 0x15;
export const OP_SEQ = 0x18;
export const OP_SNE = 0x19;
export const OP_CONTAINS = 0x1a;
export const OP_STARTS = 0x1b;
export const OP_ENDS = 0x1c;
export const OP_IN_NUM = 0x20;
export const OP_IN_STR = 0x21;
export const OP_NOT = 0x28;
export const OP_JF = 0x30;
export const OP_JT = 0x31;
export const OP_RET = 0x3f;

export const EXPR_LOAD_OK = 0;
export const EXPR_LOAD_TRUNCATED = 1;
export const EXPR_LOAD_BAD_OPCODE = 2;
export const EXPR_LOAD_BAD_OPERAND = 3;
export const EXPR_LOAD_BAD_JUMP = 4;
export const EXPR_LOAD_BAD_STACK = 5;
export const EXPR_LOAD_TOO_LONG = 6;

/** evalExpression's results. */
export const EXPR_TRUE = 1;
export const EXPR_FALSE = 0;
export const EXPR_STEP_LIMIT_HIT = -1;
