/** POST /v1/messages before any provider is called: every error in Anthropic's shape, with the request id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicyFile } from '../../../../engine/src/policy/compile.js';
import { packagePath } from '../../../../engine/src/package-root.js';
import { buildApp, type Gateway } from '../../../../server/app.js';
import { createRuntime } from '../../../../server/policy-runtime.js';

let gateway: Gateway;

beforeAll(() => {
  const compiled = compilePolicyFile(packagePath('policies', 'default.yaml'));
  if (!compiled.ok) throw new Error('the default policy does not compile');
  // No provider keys: nothing below may reach a provider.
  gateway = buildApp({ runtime: createRuntime(compiled.compiled, {}) });
});

afterAll(async () => {
  await gateway.app.close();
});

async function post(payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await gateway.app.inject({ method: 'POST', url: '/v1/messages', headers, payload });
  return { status: res.statusCode, headers: res.headers, body: JSON.parse(res.body) as Record<string, unknown> };
}

describe('POST /v1/messages errors', () => {
  it('a body that is not JSON is a 400 invalid_request_error, with request-id', async () => {
    const res = await post('{not json');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(res.headers['request-id']).toBe(res.body.request_id);
    expect(res.headers['x-switchyard-error']).toBe('SY_REQUEST_INVALID');
  });

  it('a missing max_tokens is a 400 that says so', async () => {
    const res = await post(JSON.stringify({ model: 'cheap', messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' });
  });

  it('an alias no route answers is a 404 not_found_error', async () => {
    const res = await post(JSON.stringify({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ type: 'not_found_error' });
  });

  it('a route whose providers lack keys is a 503 api_error naming the variable', async () => {
    const res = await post(JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ type: 'api_error', message: expect.stringContaining('OPENAI_API_KEY') });
  });

  it('an embedding model is refused with a 400 naming the endpoint that serves it', async () => {
    const res = await post(JSON.stringify({ model: 'embed', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('POST /v1/embeddings') });
  });

  it('leaves the OpenAI routes in the OpenAI error shape', async () => {
    const res = await gateway.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } });
  });
});
