import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { findTestFiles, testFile } from '../../server/tools/policy/test.js';
import { formatPolicySource } from '../../server/tools/policy/fmt-source.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Every policy the package ships compiles, starts with the schema comment editors use, and
// passes the cases in the test file beside it; the cases are the policy's own specification.
const dir = packagePath('policies');
const policies = [
  ...readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).map((f) => join(dir, f)),
  ...readdirSync(join(dir, 'examples')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).map((f) => join(dir, 'examples', f)),
];

describe('bundled policies', () => {
  it.each(policies)('%s compiles and points editors at the schema', (file) => {
    const built = compilePolicyFile(file);
    expect(built.ok ? [] : built.errors.map((e) => e.format())).toEqual([]);
    const first = readFileSync(file, 'utf8').split('\n')[0];
    expect(first).toMatch(/^# yaml-language-server: \$schema=(\.\/|\.\.\/)schema\.json$/);
  });

  it.each(policies)('%s is in canonical form (switchyard policy fmt)', (file) => {
    const source = readFileSync(file, 'utf8');
    const formatted = formatPolicySource(source, file);
    expect(formatted.ok && formatted.text).toBe(source);
  });

  it('publishes the schema editors use as switchyard/policy-schema.json', () => {
    expect(createRequire(import.meta.url).resolve('switchyard/policy-schema.json')).toBe(join(dir, 'schema.json'));
  });

  const suites = findTestFiles(dir);
  it('every policy but the demo has a test file', () => {
    const tested = suites.map((f) => f.replace(/\.test\.yaml$/, '.yaml')).sort();
    expect(tested).toEqual(policies.filter((p) => !p.endsWith('demo.yaml')).sort());
  });

  it.each(suites)('%s passes', (file) => {
    const result = testFile(file);
    if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
    const failed = result.cases.filter((c) => c.mismatches.length > 0);
    expect(failed.map((c) => `${c.name}: ${JSON.stringify(c.mismatches)}`)).toEqual([]);
    expect(result.cases.length).toBeGreaterThanOrEqual(5);
  });
});
