/** watchPolicy on real files in a temp directory, with the real compiler and core. */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchPolicy, type PolicyLoaded, type PolicyRefused, type PolicyWatcher, type WatchPolicyOptions } from '../../../server/policy-reload.js';

/** A valid policy answering alias `auto` with `model`. */
const policy = (model: string, extra = ''): string => `version: 1
providers:
  p: { kind: openai, base_url: "https://p.example/v1", api_key_env: P_KEY }
models:
  ${model}: { provider: p, price: { input: 1, output: 2 }, context_window: 1000 }
routes:
  - name: auto
    match: { model: auto }
    candidates: [${model}]
${extra}`;

/** Line 9, column 18: the candidate `missing` is not declared. */
const BROKEN = policy('alpha').replace('candidates: [alpha]', 'candidates: [alpha, missing]');

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

// Longer than the debounce plus a slow file system event; short enough to keep the suite quick.
const QUIET_MS = 400;

interface Harness {
  file: string;
  watcher: PolicyWatcher;
  loads: PolicyLoaded[];
  refusals: PolicyRefused[];
  /** Resolves with the next load or refusal, or rejects after `ms`. */
  next(ms?: number): Promise<PolicyLoaded | PolicyRefused>;
}

const stops: AbortController[] = [];
afterEach(() => {
  for (const c of stops.splice(0)) c.abort();
});

function start(initial: string, opts: Partial<WatchPolicyOptions> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'sy-reload-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, initial);
  const controller = new AbortController();
  stops.push(controller);
  const loads: PolicyLoaded[] = [];
  const refusals: PolicyRefused[] = [];
  let waiter: ((event: PolicyLoaded | PolicyRefused) => void) | undefined;
  const watcher = watchPolicy({
    file,
    env: {},
    activeHash: sha256(initial),
    signal: controller.signal,
    onLoad(loaded) {
      loads.push(loaded);
      waiter?.(loaded);
    },
    onError(refused) {
      refusals.push(refused);
      waiter?.(refused);
    },
    ...opts,
  });
  const next = (ms = 5000) => new Promise<PolicyLoaded | PolicyRefused>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reload within ${ms} ms`)), ms);
    waiter = (event) => {
      clearTimeout(timer);
      waiter = undefined;
      resolve(event);
    };
  });
  return { file, watcher, loads, refusals, next };
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS));

describe('watchPolicy', () => {
  it('loads a changed file into a new runtime with the new compiled policy', async () => {
    const h = start(policy('alpha'));
    const loaded = h.next();
    writeFileSync(h.file, policy('beta'));
    const event = (await loaded) as PolicyLoaded;
    expect(event.trigger).toBe('file change');
    expect(event.runtime.compiled.policy.hash).toBe(sha256(policy('beta')));
    expect(event.runtime.compiled.policy.routes[0]).toMatchObject({ name: 'auto', candidates: ['beta'] });
    expect(event.runtime.aliases).toContain('auto');
    expect(event.ms).toBeGreaterThan(0);
    expect(h.watcher.activeHash).toBe(sha256(policy('beta')));
    expect(h.refusals).toEqual([]);
  });

  it('refuses a policy with errors: located errors, no load, the old hash stays active', async () => {
    const h = start(policy('alpha'));
    const refused = h.next();
    writeFileSync(h.file, BROKEN);
    const event = (await refused) as PolicyRefused;
    expect(event.errors.map((e) => [e.code, e.file, e.line, e.col])).toEqual([['SY_POLICY_UNKNOWN_MODEL', h.file, 9, 25]]);
    expect(event.lines).toEqual([expect.stringMatching(new RegExp(`^${escape(h.file)}:9:25: SY_POLICY_UNKNOWN_MODEL: `))]);
    expect(event.activeHash).toBe(sha256(policy('alpha')));
    expect(h.watcher.activeHash).toBe(sha256(policy('alpha')));
    await quiet();
    expect(h.loads).toEqual([]);
  });

  it('passes on the warnings of a valid new policy', async () => {
    const h = start(policy('alpha'));
    const loaded = h.next();
    // A directive YAML does not know is a warning, not an error.
    writeFileSync(h.file, `%SWITCHYARD note\n---\n${policy('alpha')}`);
    const event = (await loaded) as PolicyLoaded;
    expect(event.warnings.map((w) => [w.code, w.severity, w.line])).toEqual([['SY_POLICY_YAML_WARNING', 'warning', 1]]);
  });

  it('does nothing when the content is unchanged or another file in the directory changes', async () => {
    const h = start(policy('alpha'));
    writeFileSync(h.file, policy('alpha'));
    writeFileSync(join(h.file, '..', 'other.yaml'), policy('beta'));
    await quiet();
    expect(h.loads).toEqual([]);
    expect(h.refusals).toEqual([]);
    // Still watching: a real change loads.
    const loaded = h.next();
    writeFileSync(h.file, policy('beta'));
    expect(((await loaded) as PolicyLoaded).runtime.compiled.policy.hash).toBe(sha256(policy('beta')));
  });

  it('reloads a file saved by writing a temporary file and renaming it over the policy', async () => {
    const h = start(policy('alpha'));
    const loaded = h.next();
    const temp = `${h.file}.tmp`;
    writeFileSync(temp, policy('beta'));
    renameSync(temp, h.file);
    expect(((await loaded) as PolicyLoaded).runtime.compiled.policy.routes[0]!.candidates).toEqual(['beta']);
    // The watch survives the rename: a second save is seen too.
    const again = h.next();
    writeFileSync(temp, policy('gamma'));
    renameSync(temp, h.file);
    expect(((await again) as PolicyLoaded).runtime.compiled.policy.routes[0]!.candidates).toEqual(['gamma']);
  });

  it('folds a burst of writes into one reload of the final content', async () => {
    const h = start(policy('alpha'));
    for (const m of ['b1', 'b2', 'b3', 'beta']) writeFileSync(h.file, policy(m));
    await quiet();
    expect(h.loads.map((l) => l.runtime.compiled.policy.hash)).toEqual([sha256(policy('beta'))]);
  });

  it('reports an unreadable file as SY_POLICY_READ at file:1:1', async () => {
    const h = start(policy('alpha'), { watch: false });
    renameSync(h.file, `${h.file}.gone`);
    expect(await h.watcher.reload('SIGHUP')).toBe('refused');
    expect(h.refusals[0]!.lines).toEqual([`${h.file}:1:1: SY_POLICY_READ: cannot read the policy: no such file`]);
  });

  it('without watching, loads only on reload(), which says what it did', async () => {
    const h = start(policy('alpha'), { watch: false });
    expect(await h.watcher.reload('SIGHUP')).toBe('unchanged');
    writeFileSync(h.file, policy('beta'));
    await quiet();
    expect(h.loads).toEqual([]);
    expect(await h.watcher.reload('SIGHUP')).toBe('loaded');
    expect(h.loads.map((l) => [l.trigger, l.runtime.compiled.policy.hash])).toEqual([['SIGHUP', sha256(policy('beta'))]]);
    writeFileSync(h.file, BROKEN);
    expect(await h.watcher.reload('SIGHUP')).toBe('refused');
    expect(h.watcher.activeHash).toBe(sha256(policy('beta')));
  });

  it('stops watching when the signal aborts', async () => {
    const controller = new AbortController();
    const h = start(policy('alpha'), { signal: controller.signal });
    controller.abort();
    writeFileSync(h.file, policy('beta'));
    await quiet();
    expect(h.loads).toEqual([]);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
