import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

describe('the npm package', () => {
  it('ships LICENSE and THIRD_PARTY_NOTICES.md', () => {
    // What `npm publish` would upload (scripts skipped: no build needed to list the files).
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('THIRD_PARTY_NOTICES.md');
  }, 60_000);

  it('is Apache-2.0, with the licence text to match', () => {
    expect((JSON.parse(read('package.json')) as { license: string }).license).toBe('Apache-2.0');
    const license = read('LICENSE');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('names the source and licence of everything engine/gen derives', () => {
    const notices = read('THIRD_PARTY_NOTICES.md');
    for (const script of readdirSync(new URL('engine/gen/', root))) expect(notices).toContain(`engine/gen/${script}`);
    for (const shipped of ['engine/build/o200k_base.bin', 'engine/build/cl100k_base.bin', 'engine/assembly/generated/unicode.ts', 'engine/build/core.wasm']) {
      expect(notices).toContain(shipped);
    }
    // gpt-tokenizer's own licence, verbatim, and the Unicode data licence.
    expect(notices).toContain(read('node_modules/gpt-tokenizer/LICENSE').trim());
    expect(notices).toContain('UNICODE LICENSE V3');
  });
});
