/**
 * Virtual key secrets: how they are made, hashed and compared. A secret leaves the gateway once,
 * when it is created; afterwards only its SHA-256 digest exists, and every comparison runs in
 * constant time so that response timing says nothing about how much of a guess was right.
 */
import crypto from 'node:crypto';

/** What every secret starts with: lets people (and secret scanners) recognise a Switchyard key. */
export const SECRET_PREFIX = 'sy-';

/** 256 bits: unguessable, and more than a SHA-256 digest can distinguish anyway. */
const SECRET_BYTES = 32;

/** Characters of the secret kept in clear so people can tell their keys apart: `sy-` and 4 more. */
const VISIBLE_CHARS = 7;

/** A new secret: `sy-` then 32 random bytes in base64url (43 characters). */
export function newSecret(): string {
  return SECRET_PREFIX + crypto.randomBytes(SECRET_BYTES).toString('base64url');
}

/** The SHA-256 digest of a secret, lowercase hex: what the store keeps and indexes. */
export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The recognisable start of a secret (`sy-AbCd`): safe to store, list and log. */
export function prefixOf(secret: string): string {
  return secret.slice(0, VISIBLE_CHARS);
}

/** Whether two hex SHA-256 digests are equal, in time independent of where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  // timingSafeEqual throws on unequal lengths; digests of one algorithm never differ in length,
  // so this branch reveals nothing about a secret.
  return x.length === y.length && x.length > 0 && crypto.timingSafeEqual(x, y);
}

/**
 * Whether a presented secret equals an expected one (the master key), in constant time. Both are
 * hashed first, so the comparison runs over equal-length digests whatever the inputs' lengths.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return digestsEqual(hashSecret(presented), hashSecret(expected));
}
