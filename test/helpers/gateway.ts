/** Starts the real gateway on a loopback port under a policy file and an environment. */
import { compilePolicyFile, compilePolicySource } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { buildApp, type Gateway } from '../../server/app.js';
import { createRuntime } from '../../server/policy-runtime.js';

export interface RunningGateway extends Gateway {
  url: string;
  close(): Promise<void>;
}

/** The gateway listening on 127.0.0.1:0 under `policy` (a path, or YAML text when it has newlines). */
export async function startGateway(policy: string, env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  const result = policy.includes('\n') ? compilePolicySource(policy, 'test.yaml') : compilePolicyFile(policy);
  if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
  const gateway = buildApp({ runtime: createRuntime(result.compiled, env) });
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...gateway, url, close: () => gateway.app.close() };
}

export const DEFAULT_POLICY = packagePath('policies', 'default.yaml');
