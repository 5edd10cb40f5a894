import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseSimArgs, runSimCli, SIM_USAGE } from '../../../../bench/sim/cli.js';

describe('parseSimArgs', () => {
  it('defaults to port 9000, or $SIM_PORT', () => {
    expect(parseSimArgs([], {})).toEqual({ help: false, options: { port: 9000 } });
    expect(parseSimArgs([], { SIM_PORT: '9100' })).toEqual({ help: false, options: { port: 9100 } });
  });

  it('reads every option, in both --name value and --name=value forms', () => {
    const args = parseSimArgs(['--port', '0', '--host=::1', '--latency-ms', '5', '--chunk-delay-ms=2', '--reply-tokens', '8',
      '--fail', 'bad=503', '--fail', 'slow=hang', '--fail=gone=reset'], { SIM_API_KEY: 'k' });
    expect(args).toEqual({ help: false, options: {
      port: 0, host: '::1', latencyMs: 5, chunkDelayMs: 2, replyTokens: 8, apiKey: 'k',
      models: { bad: { status: 503 }, slow: { hang: true }, gone: { reset: true } },
    } });
  });

  it('asks for help', () => {
    expect(parseSimArgs(['--port', '1', '--help'], {})).toEqual({ help: true });
    expect(SIM_USAGE).toContain('SIMULATED');
  });

  it('names the bad argument', () => {
    expect(() => parseSimArgs(['--port', 'x'], {})).toThrow(/--port/);
    expect(() => parseSimArgs(['--port'], {})).toThrow(/--port needs a value/);
    expect(() => parseSimArgs(['--fail', 'bad'], {})).toThrow(/MODEL=STATUS/);
    expect(() => parseSimArgs(['--fail', 'bad=700'], {})).toThrow(/--fail/);
    expect(() => parseSimArgs(['--bogus'], {})).toThrow(/unknown option "--bogus"/);
  });
});

describe('runSimCli', () => {
  it('prints where it listens, serves, and closes on SIGTERM', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    let printed!: () => void;
    const listening = new Promise<void>((resolve) => { printed = resolve; });
    const done = runSimCli(['--port', '0', '--fail', 'bad=429'], { write: (t) => { lines.push(t); printed(); }, signals });
    await listening;
    const m = /^switchyard sim \(simulated providers: OpenAI, Anthropic, Gemini wire formats\) listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(lines[0] ?? '');
    expect(m).not.toBeNull();
    const res = await fetch(`${m![1]}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'bad', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-simulated')).toBe('true');
    signals.emit('SIGTERM');
    await done;
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    await expect(fetch(`${m![1]}/v1/models`)).rejects.toThrow();
  });

  it('prints the help without starting anything', async () => {
    const lines: string[] = [];
    await runSimCli(['--help'], { write: (t) => lines.push(t), signals: new EventEmitter() });
    expect(lines.join('')).toContain('SIMULATED');
  });
});
