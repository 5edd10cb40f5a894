// The local text embedding behind the semantic cache, and cosine similarity. No model, no host:
// hashed lexical features (the "hashing trick", Weinberger et al., ICML 2009, with a sign bit
// so collisions cancel in expectation instead of adding up).
//
// Features of the case-folded text (chars.ts foldCase), split into segments at white space and
// symbols; a segment is a run of word characters, or a run of Han/kana characters (isIdeographic):
//   word     each word, and each Han/kana character on its own (those scripts have no spaces)
//   bigram   each pair of consecutive words/characters of the above
//   char     character 3-grams and 4-grams of every segment padded with a space at each end
//            (" cat " -> " ca", "cat", "at ", " cat", "cat "): spelling variants and CJK words
//   symbol   each punctuation or symbol character, so a text of symbols alone still embeds
// A short list of English function words (STOPWORDS) weigh STOP_WEIGHT in `word` (and in
// `bigram` when both words are stop words) and give no char n-grams: shared "how do i" must not
// make two unrelated questions look alike.
//
// Weighting: each distinct feature weighs 1 + ln(tf) (sublinear tf); each family is scaled to
// unit norm and then by its FAMILY_WEIGHT, so a long text's many n-grams cannot drown its words;
// every feature is added with a hash-chosen sign into one of EMBED_DIM buckets; the vector is
// L2-normalized. All integer hashing (MurmurHash3's mixing steps, Austin Appleby, public
// domain) and IEEE f32/f64 arithmetic in a fixed order: the same bytes give the same vector on
// every run and platform.
//
// EMBED_DIM = 512 (features-layout.ts), measured on 3,000 pairs of unrelated prompts (different
// subjects) of ../shared/data/routing, with this file built at 256, 512 and 4,096 buckets (the
// last nearly free of collisions): the cosine's standard deviation was 0.078, 0.064 and 0.050,
// its 99th percentile 0.32, 0.28 and 0.25. The hashing noise alone, sqrt(sd² - sd(4,096)²),
// falls from 0.060 at 256 to 0.040 at 512: margin against false cache hits, for 2 KB a vector.
import { EMBED_DIM } from "./features-layout";
import { decodeAt, decodedLen, isSpace, isSymbol, isIdeographic, isAsciiAlnum, foldCase } from "./chars";

const VECTOR_BYTES: usize = <usize>EMBED_DIM * 4;
// Bucket = the top log2(EMBED_DIM) bits of a feature key.
const BUCKET_SHIFT: u32 = 32 - <u32>ctz<u32>(EMBED_DIM);

// The stub allocator aligns every block to 16 bytes, so v128 loads and stores are aligned.
const output = heap.alloc(VECTOR_BYTES);
const scratchSlots = heap.alloc(VECTOR_BYTES * 2);

// Feature keys: a 32-bit hash whose low 3 bits are replaced by the family and the stop flag.
const FAMILY_WORD: u32 = 0;
const FAMILY_BIGRAM: u32 = 1;
const FAMILY_CHAR: u32 = 2;
const FAMILY_SYMBOL: u32 = 3;
const STOP_FLAG: u32 = 4;
const TAG_BITS: u32 = 7;

// Words and their n-grams carry the meaning; bigrams add some word order; symbols only make
// sure a text of punctuation alone still has a direction. Squared shares of the norm: char 64 %,
// word 28 %, bigram 7 %, symbol 0.3 %. Chosen on 12 paraphrase and 12 unrelated pairs of short
// questions plus 3,000 unrelated benchmark prompt pairs: char weight 1 -> 1.5 raised paraphrase
// cosines from 0.65 to 0.69 on average, unrelated ones moved from 0.117 to 0.128; dropping
// 4-grams left paraphrases alike but raised unrelated long prompts to 0.16 (3-grams alone are
// too unspecific); no stop-word weighting brought short unrelated questions to 0.31.
const FAMILY_WEIGHT = memory.data<f64>([1.0, 0.5, 1.5, 0.1]);
const STOP_WEIGHT: f64 = 0.2;

const SEED_WORD: u32 = 0x9747b28c;
const SEED_BIGRAM: u32 = 0x85ebca6b;
const SEED_CHAR3: u32 = 0xc2b2ae35;
const SEED_CHAR4: u32 = 0x27d4eb2f;
const SEED_SYMBOL: u32 = 0x165667b1;

// MurmurHash3 x86_32 body step and finalizer (github.com/aappleby/smhasher, MurmurHash3.cpp).
@inline function mix(h: u32, k: u32): u32 {
  k *= 0xcc9e2d51;
  k = rotl<u32>(k, 15);
  k *= 0x1b873593;
  h ^= k;
  h = rotl<u32>(h, 13);
  return h * 5 + 0xe6546b64;
}

@inline function fmix(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

@inline function tag(h: u32, family: u32, stop: bool): u32 {
  return (h & ~TAG_BITS) | family | (stop ? STOP_FLAG : 0);
}

// ---- the feature table: distinct keys and their counts, reused across calls ----
//
// entries: (key u32, count u32) in insertion order, so the vector is summed in a fixed order.
// slots:   open addressing with linear probing, (stamp u32, entry index u32); a slot is taken
//          only if its stamp is this call's epoch, so nothing is cleared between calls.
// Both grow by doubling and are never freed (the stub runtime cannot).
let entries: usize = 0;
let entryCap: u32 = 0;
let entryCount: u32 = 0;
let slots: usize = 0;
let slotMask: u32 = 0;
let epoch: u32 = 0;

function allocSlots(count: u32): void {
  slots = heap.alloc(<usize>count * 8);
  memory.fill(slots, 0, <usize>count * 8);
  slotMask = count - 1;
}

entryCap = 1024;
entries = heap.alloc(<usize>entryCap * 8);
allocSlots(2048);

@inline function slotOf(key: u32): u32 {
  return (key ^ (key >>> 15)) & slotMask;
}

function growSlots(): void {
  allocSlots((slotMask + 1) << 1);
  for (let e: u32 = 0; e < entryCount; e++) {
    let i = slotOf(load<u32>(entries + (<usize>e << 3)));
    while (load<u32>(slots + (<usize>i << 3)) == epoch) i = (i + 1) & slotMask;
    store<u32>(slots + (<usize>i << 3), epoch);
    store<u32>(slots + (<usize>i << 3), e, 4);
  }
}

/** Counts one occurrence of the feature `key`. */
function addFeature(key: u32): void {
  let i = slotOf(key);
  while (true) {
    const s = slots + (<usize>i << 3);
    if (load<u32>(s) != epoch) {
      if (entryCount == entryCap) {
        const grown = heap.alloc(<usize>entryCap * 16);
        memory.copy(grown, entries, <usize>entryCap * 8);
        entries = grown;
        entryCap <<= 1;
      }
      store<u32>(s, epoch);
      store<u32>(s, entryCount, 4);
      const e = entries + (<usize>entryCount << 3);
      store<u32>(e, key);
      store<u32>(e, 1, 4);
      entryCount++;
      // Half full at most, so probes stay short.
      if (entryCount << 1 > slotMask) growSlots();
      return;
    }
    const e = entries + (<usize>load<u32>(s, 4) << 3);
    if (load<u32>(e) == key) {
      store<u32>(e, load<u32>(e, 4) + 1, 4);
      return;
    }
    i = (i + 1) & slotMask;
  }
}

// ---- segments and stop words ----

let segment: usize = heap.alloc(256 * 4);
let segmentCap: u32 = 256;
let segmentLen: u32 = 0;
let segmentIdeographic = false;
let previousUnit: u32 = 0;
let previousStop = false;
let hasPrevious = false;

const STOPWORDS: StaticArray<string> = [
  "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with",
  "from", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did",
  "have", "has", "had", "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its",
  "they", "them", "their", "this", "that", "these", "those", "what", "which", "who", "whom",
  "how", "why", "when", "where", "there", "here", "can", "could", "would", "should", "will",
  "shall", "may", "might", "so", "than", "then", "too", "very", "just", "about", "into", "over",
  "up", "out", "some", "any", "all", "each", "such", "own", "same", "please", "s", "t",
];
// Negations ("not", "no", "never") are deliberately absent: they flip a prompt's meaning.
const STOP_LONGEST: u32 = 7;
const STOP_SLOTS: i32 = 256;
const stopKeys = new StaticArray<u32>(STOP_SLOTS);
const stopUsed = new StaticArray<bool>(STOP_SLOTS);

@inline function unitHashStart(): u32 { return SEED_WORD; }
@inline function unitHashEnd(h: u32, len: u32): u32 { return fmix(h ^ len); }

function buildStopwords(): void {
  for (let w = 0; w < STOPWORDS.length; w++) {
    const s = unchecked(STOPWORDS[w]);
    let h = unitHashStart();
    for (let i = 0; i < s.length; i++) h = mix(h, <u32>s.charCodeAt(i));
    h = unitHashEnd(h, <u32>s.length);
    let i = <i32>(h & <u32>(STOP_SLOTS - 1));
    while (unchecked(stopUsed[i])) i = (i + 1) & (STOP_SLOTS - 1);
    unchecked(stopUsed[i] = true);
    unchecked(stopKeys[i] = h);
  }
}
buildStopwords();

function isStopword(h: u32): bool {
  let i = <i32>(h & <u32>(STOP_SLOTS - 1));
  while (unchecked(stopUsed[i])) {
    if (unchecked(stopKeys[i]) == h) return true;
    i = (i + 1) & (STOP_SLOTS - 1);
  }
  return false;
}

/** Adds a word (or a Han/kana character) and its bigram with the unit before it. */
function addUnit(u: u32, stop: bool): void {
  addFeature(tag(u, FAMILY_WORD, stop));
  if (hasPrevious) addFeature(tag(fmix(mix(mix(SEED_BIGRAM, previousUnit), u)), FAMILY_BIGRAM, stop && previousStop));
  previousUnit = u;
  previousStop = stop;
  hasPrevious = true;
}

@inline function segmentAt(i: i32, len: i32): u32 {
  // Index -1 and len are the padding spaces.
  return i < 0 || i >= len ? 0x20 : load<u32>(segment + (<usize>i << 2));
}

/** Adds the 3- and 4-grams of the current segment padded with a space at each end. */
function addCharGrams(): void {
  const len = <i32>segmentLen;
  for (let i = -1; i + 2 <= len; i++) {
    const a = segmentAt(i, len);
    const b = segmentAt(i + 1, len);
    const c = segmentAt(i + 2, len);
    addFeature(tag(fmix(mix(mix(mix(SEED_CHAR3, a), b), c)), FAMILY_CHAR, false));
    if (i + 3 <= len) {
      const d = segmentAt(i + 3, len);
      addFeature(tag(fmix(mix(mix(mix(mix(SEED_CHAR4, a), b), c), d)), FAMILY_CHAR, false));
    }
  }
}

function flushSegment(): void {
  if (segmentLen == 0) return;
  if (segmentIdeographic) {
    for (let i: u32 = 0; i < segmentLen; i++) {
      addUnit(unitHashEnd(mix(unitHashStart(), load<u32>(segment + (<usize>i << 2))), 1), false);
    }
    addCharGrams();
  } else {
    let h = unitHashStart();
    for (let i: u32 = 0; i < segmentLen; i++) h = mix(h, load<u32>(segment + (<usize>i << 2)));
    h = unitHashEnd(h, segmentLen);
    const stop = segmentLen <= STOP_LONGEST && isStopword(h);
    addUnit(h, stop);
    if (!stop) addCharGrams();
  }
  segmentLen = 0;
}

function pushSegment(cp: u32, ideographic: bool): void {
  if (segmentLen > 0 && ideographic != segmentIdeographic) flushSegment();
  segmentIdeographic = ideographic;
  if (segmentLen == segmentCap) {
    const grown = heap.alloc(<usize>segmentCap * 8);
    memory.copy(grown, segment, <usize>segmentCap * 4);
    segment = grown;
    segmentCap <<= 1;
  }
  store<u32>(segment + (<usize>segmentLen << 2), cp);
  segmentLen++;
}

// ---- the vector ----

// 1 + ln(tf) for the small counts nearly every feature has, so the hot loop rarely calls log.
const SUBLINEAR_TABLE: u32 = 64;
const sublinear = new StaticArray<f64>(<i32>SUBLINEAR_TABLE);
for (let n = 1; n < <i32>SUBLINEAR_TABLE; n++) unchecked(sublinear[n] = 1.0 + Math.log(<f64>n));

@inline function lanesSum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/** Scales the EMBED_DIM vector at `v` to unit L2 norm; a zero vector stays zero. */
function normalize(v: usize): void {
  let acc = f32x4.splat(0);
  for (let i: usize = 0; i < VECTOR_BYTES; i += 16) {
    const x = v128.load(v + i);
    acc = f32x4.add(acc, f32x4.mul(x, x));
  }
  const sumSq = lanesSum(acc);
  if (sumSq == 0) return;
  const k = f32x4.splat(<f32>(1.0 / Math.sqrt(sumSq)));
  for (let i: usize = 0; i < VECTOR_BYTES; i += 16) v128.store(v + i, f32x4.mul(v128.load(v + i), k));
}

/**
 * Embeds the UTF-8 text at [ptr, ptr+len); returns the address of the EMBED_DIM f32 vector,
 * valid until the next call. Zero for a text of white space only (or empty).
 */
export function embedText(ptr: usize, len: u32): usize {
  epoch++;
  // After 2^32 calls the stamps of the first would look current again: clear them once.
  if (epoch == 0) { memory.fill(slots, 0, (<usize>slotMask + 1) * 8); epoch = 1; }
  entryCount = 0;
  segmentLen = 0;
  hasPrevious = false;

  const end = ptr + <usize>len;
  let p = ptr;
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) {
      // ASCII, most of most prompts: classified and folded inline.
      p++;
      if (isAsciiAlnum(b)) pushSegment(b - 0x41 < 26 ? b | 0x20 : b, false);
      else {
        flushSegment();
        if (!(b == 0x20 || b - 0x09 < 5)) addFeature(tag(fmix(mix(SEED_SYMBOL, b)), FAMILY_SYMBOL, false));
      }
      continue;
    }
    const cp = decodeAt(p, end);
    p += <usize>decodedLen;
    if (isSpace(cp)) { flushSegment(); continue; }
    if (isSymbol(cp)) {
      flushSegment();
      addFeature(tag(fmix(mix(SEED_SYMBOL, foldCase(cp))), FAMILY_SYMBOL, false));
      continue;
    }
    pushSegment(foldCase(cp), isIdeographic(cp));
  }
  flushSegment();

  // Per-feature weights (kept in the count's place), then each family's norm.
  let sq0: f64 = 0, sq1: f64 = 0, sq2: f64 = 0, sq3: f64 = 0;
  for (let e: u32 = 0; e < entryCount; e++) {
    const at = entries + (<usize>e << 3);
    const key = load<u32>(at);
    const count = load<u32>(at, 4);
    let w = count < SUBLINEAR_TABLE ? unchecked(sublinear[count]) : 1.0 + Math.log(<f64>count);
    if ((key & STOP_FLAG) != 0) w *= STOP_WEIGHT;
    store<f32>(at, <f32>w, 4);
    const family = key & 3;
    if (family == FAMILY_WORD) sq0 += w * w;
    else if (family == FAMILY_BIGRAM) sq1 += w * w;
    else if (family == FAMILY_CHAR) sq2 += w * w;
    else sq3 += w * w;
  }
  const s0 = sq0 > 0 ? load<f64>(FAMILY_WEIGHT, 0) / Math.sqrt(sq0) : 0;
  const s1 = sq1 > 0 ? load<f64>(FAMILY_WEIGHT, 8) / Math.sqrt(sq1) : 0;
  const s2 = sq2 > 0 ? load<f64>(FAMILY_WEIGHT, 16) / Math.sqrt(sq2) : 0;
  const s3 = sq3 > 0 ? load<f64>(FAMILY_WEIGHT, 24) / Math.sqrt(sq3) : 0;

  memory.fill(output, 0, VECTOR_BYTES);
  for (let e: u32 = 0; e < entryCount; e++) {
    const at = entries + (<usize>e << 3);
    const key = load<u32>(at);
    const family = key & 3;
    const scale = family == FAMILY_WORD ? s0 : family == FAMILY_BIGRAM ? s1 : family == FAMILY_CHAR ? s2 : s3;
    let w = <f32>(<f64>load<f32>(at, 4) * scale);
    // Bit 3 is the key's lowest hash bit: the sign, independent of the bucket bits.
    if ((key & 8) != 0) w = -w;
    const bucket = output + (<usize>(key >>> BUCKET_SHIFT) << 2);
    store<f32>(bucket, load<f32>(bucket) + w);
  }
  normalize(output);
  return output;
}

/**
 * Cosine similarity in [-1, 1] of the EMBED_DIM f32 vectors at `a` and `b`; 0 when either is
 * zero (or holds a NaN). One SIMD pass sums a·b, a·a and b·b, so vectors need not be normalized.
 * Exactly 1 for equal non-zero vectors and exactly symmetric: both sides do the same operations.
 */
export function cosine(a: usize, b: usize): f64 {
  // Two sets of accumulators, 8 components per step: the adds of one set overlap the other's.
  let ab0 = f32x4.splat(0);
  let aa0 = ab0;
  let bb0 = ab0;
  let ab1 = ab0;
  let aa1 = ab0;
  let bb1 = ab0;
  for (let i: usize = 0; i < VECTOR_BYTES; i += 32) {
    const x0 = v128.load(a + i);
    const y0 = v128.load(b + i);
    const x1 = v128.load(a + i, 16);
    const y1 = v128.load(b + i, 16);
    ab0 = f32x4.add(ab0, f32x4.mul(x0, y0));
    aa0 = f32x4.add(aa0, f32x4.mul(x0, x0));
    bb0 = f32x4.add(bb0, f32x4.mul(y0, y0));
    ab1 = f32x4.add(ab1, f32x4.mul(x1, y1));
    aa1 = f32x4.add(aa1, f32x4.mul(x1, x1));
    bb1 = f32x4.add(bb1, f32x4.mul(y1, y1));
  }
  const na = lanesSum(f32x4.add(aa0, aa1));
  const nb = lanesSum(f32x4.add(bb0, bb1));
  if (!(na > 0 && nb > 0)) return 0;
  const c = lanesSum(f32x4.add(ab0, ab1)) / Math.sqrt(na * nb);
  if (isNaN(c)) return 0;
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

/** Address of scratch vector `slot` (0 or 1; others are taken modulo 2) for the host to fill. */
export function vectorPtr(slot: u32): usize {
  return scratchSlots + <usize>(slot & 1) * VECTOR_BYTES;
}
