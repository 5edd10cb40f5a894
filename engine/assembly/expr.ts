// The condition interpreter: runs the bytecode engine/src/policy/expr compiles from route
// `when:` clauses (engine/src/policy/expr/bytecode.ts mirrors every number here;
// test/unit/engine/src/policy/expr/bytecode.test.ts checks that).
//
// SECTION (little-endian; the compiler writes it, loadExpressions copies and verifies it):
//
//   0          4          8          12         16
//   +----------+----------+----------+----------+
//   |expr_count|num_slots |str_slots |pool_offs |   header; pool_offs from the section start, 8-aligned
//   +----------+----------+----------+----------+
//   | byte_len | code: byte_len bytes = byte_len/4 instruction words ... |  expression 0
//   +----------+---------------------------------------------------------+
//   | byte_len | code ...                                                |  expression 1, ...
//   +----------+---------------------------------------------------------+
//   (zero padding up to pool_offs)
//   +----------+----------+--------------------+---------------------------+-------------+
//   |const_cnt | str_cnt  | f64[const_cnt]     | (offset u32, len u32)[str]| UTF-8 bytes |  literal pool
//   +----------+----------+--------------------+---------------------------+-------------+
//                                                 offset: from the start of the UTF-8 bytes
//
// An empty section (0 bytes) holds no expressions.
//
// INSTRUCTION: one u32 word   op u8 | a u8 | b u16   (byte 0 = op)
//
//   op    name      a      b             stack (top right)            meaning
//   0x01  FEAT      -      byte offset   -> num                      FEATURES f64 at features+b
//   0x02  NUM       -      num slot      -> num                      nums[b] (f64)
//   0x03  CONST     -      const index   -> num                      pool constant b
//   0x04  STR       -      str slot      -> str                      strs[b]: (offset, len) into text
//   0x05  STRLIT    -      string index  -> str                      pool string b
//   0x10  EQ  0x11 NE  0x12 LT  0x13 LE  0x14 GT  0x15 GE           num num -> bool (IEEE compare)
//   0x18  SEQ 0x19 SNE                                               str str -> bool (bytes equal)
//   0x1a  CONTAINS  0x1b STARTS  0x1c ENDS                           hay needle -> bool
//   0x20  IN_NUM    count  first const   num -> bool                 value == one of count constants
//   0x21  IN_STR    count  first string  str -> bool                 value equals one of count strings
//   0x28  NOT                            bool -> bool
//   0x30  JF        -      target word   bool -> (bool kept if 0)    0: jump to target keeping it; else pop
//   0x31  JT        -      target word   bool -> (bool kept if !=0)  !=0: jump keeping it; else pop
//   0x3f  RET                            bool ->                     the result; last word, only there
//
// A stack slot is 8 bytes: an f64 (numbers, durations in ms, USD, bools as 0/1, enum codes) or a
// string as (address u32, length u32). Jumps go forward only, so each instruction runs at most
// once and a run takes at most EXPR_MAX_INSTRUCTIONS steps plus string scanning.
//
// STEPS: one per instruction (RET included), plus one per started 16 bytes of each byte
// comparison: SEQ/SNE compare all len bytes when the lengths are equal (nothing otherwise);
// IN_STR does so for each candidate of the value's length, in order, until one equals it;
// STARTS/ENDS compare the needle's length (nothing when it is longer than the text); CONTAINS
// searches naively, each start position comparing until the first mismatch, and counts every
// byte compared over the whole search. A run past EXPR_STEP_LIMIT steps gives -1; a scan stops as
// soon as its count would pass the limit, so the work is bounded whatever the strings.
//
// loadExpressions verifies every expression once (opcodes, operands in range, forward jumps onto
// an instruction, stack depth and kinds equal along every path), so evalExpression runs without
// bounds checks.
import { FEATURES_SIZE } from "./features-layout";

export const EXPR_HEADER_SIZE: u32 = 16;
export const EXPR_MAX_INSTRUCTIONS: u32 = 256;
export const EXPR_MAX_LIST: u32 = 64;
export const EXPR_MAX_STRING_BYTES: u32 = 256;
export const EXPR_STEP_LIMIT: u32 = 4096;
export const EXPR_SCAN_BYTES_PER_STEP: u32 = 16;

export const OP_FEAT: u32 = 0x01;
export const OP_NUM: u32 = 0x02;
export const OP_CONST: u32 = 0x03;
export const OP_STR: u32 = 0x04;
export const OP_STRLIT: u32 = 0x05;
export const OP_EQ: u32 = 0x10;
export const OP_NE: u32 = 0x11;
export const OP_LT: u32 = 0x12;
export const OP_LE: u32 = 0x13;
export const OP_GT: u32 = 0x14;
export const OP_GE: u32 = 0x15;
export const OP_SEQ: u32 = 0x18;
export const OP_SNE: u32 = 0x19;
export const OP_CONTAINS: u32 = 0x1a;
export const OP_STARTS: u32 = 0x1b;
export const OP_ENDS: u32 = 0x1c;
export const OP_IN_NUM: u32 = 0x20;
export const OP_IN_STR: u32 = 0x21;
export const OP_NOT: u32 = 0x28;
export const OP_JF: u32 = 0x30;
export const OP_JT: u32 = 0x31;
export const OP_RET: u32 = 0x3f;

// loadExpressions results
export const EXPR_LOAD_OK: u32 = 0;
export const EXPR_LOAD_TRUNCATED: u32 = 1;
export const EXPR_LOAD_BAD_OPCODE: u32 = 2;
export const EXPR_LOAD_BAD_OPERAND: u32 = 3;
export const EXPR_LOAD_BAD_JUMP: u32 = 4;
export const EXPR_LOAD_BAD_STACK: u32 = 5;
export const EXPR_LOAD_TOO_LONG: u32 = 6;

// evalExpression results
export const EXPR_TRUE: i32 = 1;
export const EXPR_FALSE: i32 = 0;
export const EXPR_STEP_LIMIT_HIT: i32 = -1;

// The loaded section (0 expressions until one is loaded).
let exprCount: u32 = 0;
let exprOffsets = new StaticArray<usize>(0);
let constBase: usize = 0;
let strTable: usize = 0;
let strBytes: usize = 0;

// The value stack: a run pushes at most one slot per instruction.
const stack = heap.alloc(<usize>EXPR_MAX_INSTRUCTIONS * 8);

// Verifier scratch, per instruction index.
const KIND_NUM: u8 = 1;
const KIND_STR: u8 = 2;
const kinds = new StaticArray<u8>(<i32>EXPR_MAX_INSTRUCTIONS);
const targetDepth = new StaticArray<i32>(<i32>EXPR_MAX_INSTRUCTIONS);
const pendingTarget = new StaticArray<u32>(<i32>EXPR_MAX_INSTRUCTIONS);
const pendingFloor = new StaticArray<i32>(<i32>EXPR_MAX_INSTRUCTIONS);

/** How many expressions the loaded section holds. */
export function expressionCount(): u32 {
  return exprCount;
}

/**
 * Copies the section at [ptr, ptr+len) into the core's own memory, verifies it and makes it
 * current; an EXPR_LOAD_* code. A refused section leaves the previous one in place.
 */
export function loadExpressions(ptr: usize, len: u32): u32 {
  if (len == 0) {
    exprCount = 0;
    return EXPR_LOAD_OK;
  }
  // A fresh copy each time: the previous section stays intact if this one is refused.
  const copy = heap.alloc(<usize>len);
  memory.copy(copy, ptr, <usize>len);
  const result = activateExpressions(copy, len);
  if (result != EXPR_LOAD_OK) heap.free(copy);
  return result;
}

/** Verifies the section at [base, base+len) in place and makes it current; an EXPR_LOAD_* code. */
export function activateExpressions(base: usize, len: u32): u32 {
  if (len < EXPR_HEADER_SIZE) return EXPR_LOAD_TRUNCATED;
  const count = load<u32>(base);
  const numSlots = load<u32>(base, 4);
  const strSlots = load<u32>(base, 8);
  const poolAt = load<u32>(base, 12);
  if (poolAt < EXPR_HEADER_SIZE || <u64>poolAt + 8 > <u64>len) return EXPR_LOAD_TRUNCATED;
  const consts = load<u32>(base + <usize>poolAt);
  const strings = load<u32>(base + <usize>poolAt, 4);
  const tableAt = <u64>poolAt + 8 + <u64>consts * 8;
  const bytesAt = tableAt + <u64>strings * 8;
  if (bytesAt > <u64>len) return EXPR_LOAD_TRUNCATED;
  const table = base + <usize>tableAt;
  const byteCount = <u64>len - bytesAt;
  for (let s: u32 = 0; s < strings; s++) {
    const entry = table + <usize>(s * 8);
    const strLen = load<u32>(entry, 4);
    if (strLen > EXPR_MAX_STRING_BYTES || <u64>load<u32>(entry) + <u64>strLen > byteCount) return EXPR_LOAD_BAD_OPERAND;
  }
  if (<u64>count * 4 > <u64>(poolAt - EXPR_HEADER_SIZE)) return EXPR_LOAD_TRUNCATED;
  const offsets = new StaticArray<usize>(<i32>count);
  let p: u32 = EXPR_HEADER_SIZE;
  for (let e: u32 = 0; e < count; e++) {
    if (p + 4 > poolAt) return EXPR_LOAD_TRUNCATED;
    const byteLen = load<u32>(base + <usize>p);
    if (<u64>p + 4 + <u64>byteLen > <u64>poolAt) return EXPR_LOAD_TRUNCATED;
    if (byteLen == 0 || (byteLen & 3) != 0) return EXPR_LOAD_BAD_OPCODE;
    if (byteLen / 4 > EXPR_MAX_INSTRUCTIONS) return EXPR_LOAD_TOO_LONG;
    const code = base + <usize>(p + 4);
    const verdict = verify(code, byteLen / 4, numSlots, strSlots, consts, strings);
    if (verdict != EXPR_LOAD_OK) return verdict;
    unchecked(offsets[e] = code);
    p += 4 + byteLen;
  }
  exprCount = count;
  exprOffsets = offsets;
  constBase = base + <usize>(poolAt + 8);
  strTable = table;
  strBytes = base + <usize>bytesAt;
  return EXPR_LOAD_OK;
}

/**
 * Checks one expression of `n` words: every operand in range, jumps forward onto an instruction,
 * RET last, and the stack the same depth and kinds at each instruction whichever path led
 * there (a jump keeps its operand, and the fall-through path may not pop below it until the
 * target).
 */
function verify(code: usize, n: u32, numSlots: u32, strSlots: u32, consts: u32, strings: u32): u32 {
  for (let i: u32 = 0; i < n; i++) unchecked(targetDepth[i] = -1);
  let depth: i32 = 0;
  let pending: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const expected = unchecked(targetDepth[i]);
    if (expected >= 0 && (expected != depth || unchecked(kinds[depth - 1]) != KIND_NUM)) return EXPR_LOAD_BAD_STACK;
    // Jumps that land here are settled; the rest still guard their floor.
    let floor: i32 = 0;
    let kept: u32 = 0;
    for (let j: u32 = 0; j < pending; j++) {
      const target = unchecked(pendingTarget[j]);
      if (target == i) continue;
      const f = unchecked(pendingFloor[j]);
      if (f > floor) floor = f;
      unchecked(pendingTarget[kept] = target);
      unchecked(pendingFloor[kept] = f);
      kept++;
    }
    pending = kept;

    const word = load<u32>(code + <usize>(i * 4));
    const op = word & 0xff;
    const a = (word >> 8) & 0xff;
    const b = word >> 16;
    let pops: i32 = 0;
    let popKind: u8 = KIND_NUM;
    let push: u8 = KIND_NUM;
    switch (op) {
      case OP_FEAT: if ((b & 7) != 0 || b + 8 > FEATURES_SIZE) return EXPR_LOAD_BAD_OPERAND; break;
      case OP_NUM: if (b >= numSlots) return EXPR_LOAD_BAD_OPERAND; break;
      case OP_CONST: if (b >= consts) return EXPR_LOAD_BAD_OPERAND; break;
      case OP_STR: if (b >= strSlots) return EXPR_LOAD_BAD_OPERAND; push = KIND_STR; break;
      case OP_STRLIT: if (b >= strings) return EXPR_LOAD_BAD_OPERAND; push = KIND_STR; break;
      case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: pops = 2; break;
      case OP_SEQ: case OP_SNE: case OP_CONTAINS: case OP_STARTS: case OP_ENDS: pops = 2; popKind = KIND_STR; break;
      case OP_IN_NUM: if (a > EXPR_MAX_LIST || b + a > consts) return EXPR_LOAD_BAD_OPERAND; pops = 1; break;
      case OP_IN_STR: if (a > EXPR_MAX_LIST || b + a > strings) return EXPR_LOAD_BAD_OPERAND; pops = 1; popKind = KIND_STR; break;
      case OP_NOT: pops = 1; break;
      case OP_JF: case OP_JT: {
        if (b <= i || b >= n) return EXPR_LOAD_BAD_JUMP;
        if (depth < 1 || unchecked(kinds[depth - 1]) != KIND_NUM) return EXPR_LOAD_BAD_STACK;
        const there = unchecked(targetDepth[b]);
        if (there >= 0 && there != depth) return EXPR_LOAD_BAD_STACK;
        unchecked(targetDepth[b] = depth);
        unchecked(pendingTarget[pending] = b);
        unchecked(pendingFloor[pending] = depth - 1);
        pending++;
        depth--;
        continue;
      }
      case OP_RET:
        if (i != n - 1) return EXPR_LOAD_BAD_OPCODE;
        return depth == 1 && unchecked(kinds[0]) == KIND_NUM ? EXPR_LOAD_OK : EXPR_LOAD_BAD_STACK;
      default:
        return EXPR_LOAD_BAD_OPCODE;
    }
    if (depth - pops < floor) return EXPR_LOAD_BAD_STACK;
    for (let k: i32 = 1; k <= pops; k++) {
      if (unchecked(kinds[depth - k]) != popKind) return EXPR_LOAD_BAD_STACK;
    }
    depth -= pops;
    unchecked(kinds[depth] = push);
    depth++;
  }
  return EXPR_LOAD_BAD_OPCODE; // no RET
}

// Steps taken by the current run; string operations charge theirs through `charge`.
let steps: u32 = 0;

/** Bytes a string operation may still compare before the run passes the step limit. */
@inline function allowance(): u64 {
  return <u64>(EXPR_STEP_LIMIT - min<u32>(steps, EXPR_STEP_LIMIT)) * EXPR_SCAN_BYTES_PER_STEP;
}

/** Adds the steps for `bytes` compared; false when the run is now past the limit. */
@inline function charge(bytes: u64): bool {
  const total = <u64>steps + (bytes + <u64>(EXPR_SCAN_BYTES_PER_STEP - 1)) / EXPR_SCAN_BYTES_PER_STEP;
  steps = total > <u64>0xffffffff ? 0xffffffff : <u32>total;
  return steps <= EXPR_STEP_LIMIT;
}

/** 1 if the `hl` bytes at `h` contain the `nl` bytes at `n`, 0 if not, -1 past the step limit. */
function contains(h: usize, hl: u32, n: usize, nl: u32): i32 {
  if (nl == 0) return EXPR_TRUE;
  if (nl > hl) return EXPR_FALSE;
  const limit = allowance();
  const first = load<u8>(n);
  let compared: u64 = 0;
  let found = false;
  const last = hl - nl;
  for (let i: u32 = 0; i <= last; i++) {
    const at = h + <usize>i;
    compared++;
    if (load<u8>(at) == first) {
      let j: u32 = 1;
      while (j < nl) {
        compared++;
        if (load<u8>(at + <usize>j) != load<u8>(n + <usize>j)) break;
        j++;
      }
      found = j == nl;
    }
    // Checked per position, so a scan never runs past what the limit allows.
    if (compared > limit) return EXPR_STEP_LIMIT_HIT;
    if (found) break;
  }
  charge(compared);
  return found ? EXPR_TRUE : EXPR_FALSE;
}

/** 1 if the `nl` bytes at `n` equal the bytes at `at`, 0 if not, -1 past the step limit. */
@inline function equalBytes(at: usize, n: usize, nl: u32): i32 {
  if (!charge(<u64>nl)) return EXPR_STEP_LIMIT_HIT;
  return memory.compare(at, n, <usize>nl) == 0 ? EXPR_TRUE : EXPR_FALSE;
}

/**
 * Runs expression `index` against the FEATURES record at `features`, the NUM slots (f64) at
 * `nums` and the STR slots ((offset, length) u32 pairs into `text`) at `strs`: 1 true, 0 false,
 * -1 when the run passed the step limit. An index the section does not hold is false.
 */
export function evalExpression(index: u32, features: usize, nums: usize, strs: usize, text: usize): i32 {
  if (index >= exprCount) return EXPR_FALSE;
  const code = unchecked(exprOffsets[index]);
  let pc = code;
  let sp = stack;
  steps = 0;
  while (true) {
    const word = load<u32>(pc);
    pc += 4;
    steps++;
    const b = <usize>(word >> 16);
    switch (word & 0xff) {
      case OP_FEAT: store<f64>(sp, load<f64>(features + b)); sp += 8; break;
      case OP_NUM: store<f64>(sp, load<f64>(nums + (b << 3))); sp += 8; break;
      case OP_CONST: store<f64>(sp, load<f64>(constBase + (b << 3))); sp += 8; break;
      case OP_STR: {
        const slot = strs + (b << 3);
        store<u32>(sp, text + <usize>load<u32>(slot));
        store<u32>(sp, load<u32>(slot, 4), 4);
        sp += 8;
        break;
      }
      case OP_STRLIT: {
        const entry = strTable + (b << 3);
        store<u32>(sp, strBytes + <usize>load<u32>(entry));
        store<u32>(sp, load<u32>(entry, 4), 4);
        sp += 8;
        break;
      }
      case OP_EQ: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) == load<f64>(sp))); break;
      case OP_NE: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) != load<f64>(sp))); break;
      case OP_LT: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) < load<f64>(sp))); break;
      case OP_LE: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) <= load<f64>(sp))); break;
      case OP_GT: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) > load<f64>(sp))); break;
      case OP_GE: sp -= 8; store<f64>(sp - 8, <f64>(load<f64>(sp - 8) >= load<f64>(sp))); break;
      case OP_SEQ: case OP_SNE: case OP_CONTAINS: case OP_STARTS: case OP_ENDS: {
        sp -= 8;
        const h = <usize>load<u32>(sp - 8);
        const hl = load<u32>(sp - 8, 4);
        const n = <usize>load<u32>(sp);
        const nl = load<u32>(sp, 4);
        const op = word & 0xff;
        let r: i32;
        if (op == OP_CONTAINS) r = contains(h, hl, n, nl);
        else if (op == OP_STARTS) r = nl > hl ? EXPR_FALSE : equalBytes(h, n, nl);
        else if (op == OP_ENDS) r = nl > hl ? EXPR_FALSE : equalBytes(h + <usize>(hl - nl), n, nl);
        else {
          r = hl != nl ? EXPR_FALSE : equalBytes(h, n, nl);
          if (op == OP_SNE && r >= 0) r = 1 - r;
        }
        if (r < 0) return EXPR_STEP_LIMIT_HIT;
        store<f64>(sp - 8, <f64>r);
        break;
      }
      case OP_IN_NUM: {
        const value = load<f64>(sp - 8);
        const items = constBase + (b << 3);
        const count = <usize>((word >> 8) & 0xff);
        let found = false;
        for (let k: usize = 0; k < count; k++) {
          if (load<f64>(items + (k << 3)) == value) { found = true; break; }
        }
        store<f64>(sp - 8, <f64>found);
        break;
      }
      case OP_IN_STR: {
        const h = <usize>load<u32>(sp - 8);
        const hl = load<u32>(sp - 8, 4);
        const count = <usize>((word >> 8) & 0xff);
        let r: i32 = EXPR_FALSE;
        for (let k: usize = 0; k < count; k++) {
          const entry = strTable + ((b + k) << 3);
          if (load<u32>(entry, 4) != hl) continue;
          r = equalBytes(h, strBytes + <usize>load<u32>(entry), hl);
          if (r != EXPR_FALSE) break;
        }
        if (r < 0) return EXPR_STEP_LIMIT_HIT;
        store<f64>(sp - 8, <f64>r);
        break;
      }
      case OP_NOT: store<f64>(sp - 8, <f64>(load<f64>(sp - 8) == 0)); break;
      case OP_JF: if (load<f64>(sp - 8) == 0) pc = code + (b << 2); else sp -= 8; break;
      case OP_JT: if (load<f64>(sp - 8) != 0) pc = code + (b << 2); else sp -= 8; break;
      default: // OP_RET: the verifier admits nothing else
        if (steps > EXPR_STEP_LIMIT) return EXPR_STEP_LIMIT_HIT;
        return load<f64>(sp - 8) != 0 ? EXPR_TRUE : EXPR_FALSE;
    }
  }
}
