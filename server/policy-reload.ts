/**
 * Reloading the served policy: on a change to its file (when watching) or on demand (SIGHUP).
 * A reload reads the file once, skips content already serving, and compiles the rest into a new
 * runtime; the caller swaps it in. A policy with errors never replaces the one serving.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PolicyError } from '../engine/src/errors.js';
import { compilePolicySource } from '../engine/src/policy/compile.js';
import { createRuntime, type PolicyRuntime, type ResilienceState } from './policy-runtime.js';

/** What asked for a reload: a change seen on disk, or a signal. */
export type ReloadTrigger = 'file change' | 'SIGHUP';

/** A new policy, compiled and ready to swap in. */
export interface PolicyLoaded {
  trigger: ReloadTrigger;
  runtime: PolicyRuntime;
  warnings: readonly PolicyError[];
  /** Read, compile and runtime creation, in milliseconds. */
  ms: number;
}

/** A new policy that was refused; the one serving keeps serving. */
export interface PolicyRefused {
  trigger: ReloadTrigger;
  /** The located errors; empty when the file compiled but the core refused the program. */
  errors: readonly PolicyError[];
  /** One `file:line:col: CODE: message` line per error, or the core's refusal: what to log and report. */
  lines: readonly string[];
  warnings: readonly PolicyError[];
  /** Hash of the policy that keeps serving. */
  activeHash: string;
}

export interface WatchPolicyOptions {
  file: string;
  /** Where provider keys and base URLs are read, as at startup. */
  env: NodeJS.ProcessEnv;
  /** What the serving runtime learnt about providers; new runtimes keep it. */
  state?: ResilienceState;
  /** Hash of the policy serving now: a reload to the same content is skipped. */
  activeHash: string;
  onLoad(loaded: PolicyLoaded): void;
  onError(refused: PolicyRefused): void;
  /** The directory could not be watched any more; reload() still works. */
  onWatchError?(error: Error): void;
  /** Stops watching when aborted. */
  signal: AbortSignal;
  /** Watch the file (default true); when false only reload() loads. */
  watch?: boolean;
  /** Quiet time after the last change before reloading (default 100 ms). */
  debounceMs?: number;
}

export type ReloadOutcome = 'loaded' | 'refused' | 'unchanged';

export interface PolicyWatcher {
  /** Reloads now (a pending change-triggered reload is folded into it). */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  /** Hash of the last policy loaded. */
  readonly activeHash: string;
}

export const RELOAD_DEBOUNCE_MS = 100;

/** Watches `file` and reloads it on change; see WatchPolicyOptions. */
export function watchPolicy(opts: WatchPolicyOptions): PolicyWatcher {
  const { file, env, signal } = opts;
  const debounceMs = opts.debounceMs ?? RELOAD_DEBOUNCE_MS;
  let activeHash = opts.activeHash;
  let timer: NodeJS.Timeout | undefined;
  // Reloads run one after another, so two of them never race to swap runtimes.
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const started = performance.now();
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      return refuse(trigger, [new PolicyError('SY_POLICY_READ', `cannot read the policy: ${reason}`, { file, line: 1, col: 1 })], []);
    }
    if (sha256(source) === activeHash) return 'unchanged';
    const result = compilePolicySource(source, file);
    if (!result.ok) return refuse(trigger, result.errors, result.warnings);
    let runtime: PolicyRuntime;
    try {
      runtime = createRuntime(result.compiled, env, opts.state);
    } catch (e) {
      // The core refusing a program the compiler accepted is a bug, but it must not stop the
      // server: the policy serving keeps serving.
      opts.onError({ trigger, errors: [], lines: [`${file}: ${(e as Error).message}`], warnings: result.warnings, activeHash });
      return 'refused';
    }
    activeHash = runtime.compiled.policy.hash;
    opts.onLoad({ trigger, runtime, warnings: result.warnings, ms: performance.now() - started });
    return 'loaded';
  };

  const refuse = (trigger: ReloadTrigger, errors: readonly PolicyError[], warnings: readonly PolicyError[]): ReloadOutcome => {
    opts.onError({ trigger, errors, lines: errors.map((e) => e.format()), warnings, activeHash });
    return 'refused';
  };

  const reload = (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    clearTimeout(timer);
    const next = queue.then(() => load(trigger));
    queue = next.catch(() => undefined);
    return next;
  };

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload('file change'), debounceMs);
  };

  let watcher: FSWatcher | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    watcher?.close();
    watcher = undefined;
  };
  if (opts.watch !== false && !signal.aborted) {
    const name = basename(file);
    // The directory, not the file: an editor that saves by writing a new file and renaming it
    // over the old one replaces the inode a file watch would be attached to.
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      schedule();
    });
    watcher.on('error', (error) => {
      stop();
      opts.onWatchError?.(error);
    });
    // A save between the caller's own load and this watch would otherwise go unseen until the
    // next one; unchanged content costs a read and a hash.
    schedule();
  }

  signal.addEventListener('abort', stop, { once: true });

  return {
    reload,
    get activeHash() {
      return activeHash;
    },
  };
}

/** The hash compile.ts gives a policy's source, to skip a reload before compiling. */
function sha256(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}
