import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { runFmt } from '../../../../../server/tools/policy/fmt.js';
import { bufferIo } from './buffer-io.js';

const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');
const CANONICAL = readFileSync(join(FIXTURES, 'unformatted.formatted.yaml'), 'utf8');

function copies(...names: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sy-policy-fmt-'));
  return names.map((name) => {
    copyFileSync(join(FIXTURES, name), join(dir, name));
    return join(dir, name);
  });
}

describe('runFmt', () => {
  it('rewrites a file that is not canonical and leaves a canonical one alone', async () => {
    const [messy, tidy] = copies('unformatted.yaml', 'unformatted.formatted.yaml');
    const io = bufferIo();
    expect(await runFmt([messy!, tidy!], io)).toBe(0);
    expect(readFileSync(messy!, 'utf8')).toBe(CANONICAL);
    expect(readFileSync(tidy!, 'utf8')).toBe(CANONICAL);
    expect(io.stdout).toBe(`${messy}: formatted\n`);
  });

  it('--check lists the files that are not canonical, writes nothing, exits 1', async () => {
    const [messy, tidy] = copies('unformatted.yaml', 'unformatted.formatted.yaml');
    const before = readFileSync(messy!, 'utf8');
    const io = bufferIo();
    expect(await runFmt(['--check', messy!, tidy!], io)).toBe(1);
    expect(io.stdout).toBe(`${messy}: not in canonical form\n`);
    expect(readFileSync(messy!, 'utf8')).toBe(before);
    expect(await runFmt(['--check', tidy!], bufferIo())).toBe(0);
  });

  it('--stdout prints the canonical form and writes nothing', async () => {
    const [messy] = copies('unformatted.yaml');
    const before = readFileSync(messy!, 'utf8');
    const io = bufferIo();
    expect(await runFmt([messy!, '--stdout'], io)).toBe(0);
    expect(io.stdout).toBe(CANONICAL);
    expect(readFileSync(messy!, 'utf8')).toBe(before);
  });

  it('refuses a file that does not parse at file:line:col and goes on with the rest', async () => {
    const [bad, messy] = copies('not-yaml.yaml', 'unformatted.yaml');
    const before = readFileSync(bad!, 'utf8');
    const io = bufferIo();
    expect(await runFmt([bad!, messy!], io)).toBe(1);
    expect(io.stderr).toMatch(new RegExp(`^${bad!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:9: SY_POLICY_YAML_SYNTAX: `));
    expect(io.stderr).toContain(`${bad}: not formatted: it does not parse`);
    expect(readFileSync(bad!, 'utf8')).toBe(before);
    expect(readFileSync(messy!, 'utf8')).toBe(CANONICAL);
  });

  it('reports a file it cannot read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-policy-fmt-'));
    const io = bufferIo();
    expect(await runFmt([join(dir, 'absent.yaml')], io)).toBe(1);
    expect(io.stderr).toBe(`${join(dir, 'absent.yaml')}:1:1: SY_POLICY_READ: cannot read the policy: no such file\n`);
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(await runFmt([join(dir, 'empty.yaml')], bufferIo())).toBe(0);
  });
});
