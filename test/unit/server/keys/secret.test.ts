import crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { digestsEqual, hashSecret, newSecret, prefixOf, secretsEqual } from '../../../../server/keys/secret.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('key secrets', () => {
  it('are sy- and 32 random bytes in base64url, different every time', () => {
    const secrets = Array.from({ length: 50 }, () => newSecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^sy-[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret.slice(3), 'base64url')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('hash to lowercase hex SHA-256 (FIPS 180-2 test vector)', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const secret = newSecret();
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret)).not.toBe(hashSecret(`${secret}x`));
  });

  it('show their first 7 characters as the prefix', () => {
    expect(prefixOf('sy-AbCdEfGh')).toBe('sy-AbCd');
  });
});

describe('constant-time comparison', () => {
  it('compares digests with crypto.timingSafeEqual', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    const a = hashSecret('one');
    expect(digestsEqual(a, hashSecret('one'))).toBe(true);
    expect(digestsEqual(a, hashSecret('two'))).toBe(false);
    // Differs only in the last hex digit.
    expect(digestsEqual(a, a.slice(0, -1) + (a.endsWith('0') ? '1' : '0'))).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('refuses digests of unequal or zero length without throwing', () => {
    const a = hashSecret('one');
    expect(digestsEqual(a, a.slice(0, 32))).toBe(false);
    expect(digestsEqual('', '')).toBe(false);
  });

  it('compares secrets of any lengths as equal-length digests', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    expect(secretsEqual('master-key', 'master-key')).toBe(true);
    expect(secretsEqual('m', 'master-key')).toBe(false);
    expect(secretsEqual('master-key-but-longer', 'master-key')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [x, y] of spy.mock.calls) expect([x.byteLength, y.byteLength]).toEqual([32, 32]);
  });
});
