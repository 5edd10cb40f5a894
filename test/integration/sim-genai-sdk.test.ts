// The SIMULATED Gemini provider against the official `@google/genai` SDK as its client, over real
// HTTP: if the SDK can use the sim, the sim speaks Gemini's wire format (requests as the SDK
// builds them, JSON and SSE answers, function calls, errors).
import { ApiError, type Content, FunctionCallingConfigMode, GoogleGenAI, type Tool } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';

let sim: SimHandle;
let ai: GoogleGenAI;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'sim-key', models: { 'gemini-down': { status: 503 } } });
  ai = new GoogleGenAI({ apiKey: 'sim-key', httpOptions: { baseUrl: sim.url, retryOptions: { attempts: 1 } } });
});

afterAll(async () => {
  await sim.close();
});

const weatherTool: Tool = {
  functionDeclarations: [
    { name: 'get_time', description: 'The time now', parametersJsonSchema: { type: 'object', properties: {} } },
    {
      name: 'get_weather',
      description: 'The weather in a city',
      parametersJsonSchema: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1 } },
        required: ['city', 'unit', 'days'],
      },
    },
  ],
};

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('@google/genai against the simulated Gemini', () => {
  it('generateContent: the text, finish reason and usage', async () => {
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Which route is cheapest?',
      config: { systemInstruction: 'Be brief.', maxOutputTokens: 4 },
    });
    expect(response.text).toMatch(/^\[simulated gemini-2\.5-flash\]( \w+){4}$/);
    expect(response.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(response.usageMetadata).toMatchObject({ candidatesTokenCount: 4, totalTokenCount: (response.usageMetadata?.promptTokenCount ?? 0) + 4 });
    expect(response.responseId).toMatch(/^sim/);
  });

  it('generateContentStream: pieces that add up to the same text, usage on the last', async () => {
    const request = { model: 'gemini-2.5-flash', contents: 'Stream it' };
    let text = '';
    let chunks = 0;
    let last: number | undefined;
    for await (const chunk of await ai.models.generateContentStream(request)) {
      text += chunk.text ?? '';
      chunks++;
      last = chunk.usageMetadata?.candidatesTokenCount;
    }
    expect(chunks).toBe(16);
    expect(last).toBe(16);
    expect(text).toBe((await ai.models.generateContent(request)).text);
  });

  it('function calling round trip: a call with sample arguments, then a text answer to its response', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Please use the tool get_weather for Paris.' }] }];
    const first = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents, config: { tools: [weatherTool] } });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'simulated', unit: 'celsius', days: 1 } }]);
    expect(first.candidates?.[0]?.finishReason).toBe('STOP');
    const callTurn = first.candidates?.[0]?.content as Content;
    expect(callTurn.parts?.[0]?.thoughtSignature).toBeTruthy();

    contents.push(callTurn, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '21 C, sunny' } } }] });
    const second = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents, config: { tools: [weatherTool] } });
    expect(second.functionCalls).toBeUndefined();
    expect(second.text).toMatch(/^\[simulated gemini-2\.5-flash\]/);
  });

  it('tool config: ANY forces a call of the allowed function, NONE forbids one', async () => {
    const any = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Hello',
      config: { tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] } } },
    });
    expect(any.functionCalls).toEqual([{ name: 'get_time', args: {} }]);
    const none = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Please use the tool',
      config: { tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    expect(none.functionCalls).toBeUndefined();
    expect(none.text).toMatch(/^\[simulated/);
  });

  it('streams a function call as one whole part', async () => {
    const calls = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'use the tool', config: { tools: [weatherTool] } })) {
      calls.push(...(chunk.functionCalls ?? []));
    }
    expect(calls).toEqual([{ name: 'get_time', args: {} }]);
  });

  it('JSON mode: a value of the response schema, streamed or not', async () => {
    const config = {
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'number', minimum: 0.5 } }, required: ['answer', 'score'] },
    };
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Rate it', config });
    expect(JSON.parse(response.text ?? '')).toEqual({ answer: 'simulated', score: 0.5 });
    let streamed = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Rate it', config })) streamed += chunk.text ?? '';
    expect(streamed).toBe(response.text);

    const free = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Anything', config: { responseMimeType: 'application/json' } });
    expect(JSON.parse(free.text ?? '')).toEqual({ reply: expect.stringMatching(/^\[simulated/) });
  });

  it('logprobs: a chosen token per reply token with the asked number of top candidates', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x', config: { maxOutputTokens: 3, responseLogprobs: true, logprobs: 2 } });
    const result = response.candidates?.[0]?.logprobsResult;
    expect(result?.chosenCandidates?.map((c) => c.token).join('')).toBe(response.text);
    expect(result?.topCandidates?.map((t) => t.candidates?.length)).toEqual([2, 2, 2]);
    for (const chosen of result?.chosenCandidates ?? []) expect(chosen.logProbability).toBeLessThanOrEqual(0);

    const streamed = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x', config: { maxOutputTokens: 3, responseLogprobs: true, logprobs: 2 } })) {
      streamed.push(...(chunk.candidates?.[0]?.logprobsResult?.chosenCandidates ?? []));
    }
    expect(streamed).toEqual(result?.chosenCandidates);
  });

  it('candidateCount: as many candidates, each indexed', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x', config: { candidateCount: 2, maxOutputTokens: 2 } });
    expect(response.candidates?.map((c) => c.index)).toEqual([0, 1]);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(4);
  });

  it('Gemini 3 wants the thought signature of a function call back', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'use the tool' }] }];
    const first = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents, config: { tools: [weatherTool] } });
    const callTurn = first.candidates?.[0]?.content as Content;
    const answer = { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: { output: 'noon' } } }] };
    const signed = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: [...contents, callTurn, answer], config: { tools: [weatherTool] } });
    expect(signed.text).toMatch(/^\[simulated gemini-3-pro-preview\]/);

    const unsigned = { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] };
    const missing = await rejection(ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: [...contents, unsigned, answer], config: { tools: [weatherTool] } }));
    expect(missing.status).toBe(400);
    expect(missing.message).toContain('missing a thought_signature');
    const placeholder = { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] };
    const accepted = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: [...contents, placeholder, answer], config: { tools: [weatherTool] } });
    expect(accepted.text).toMatch(/^\[simulated/);
  });

  it.each<[string, Content[], string]>([
    ['a function response that answers no call', [{ role: 'user', parts: [{ functionResponse: { name: 'get_time', response: {} } }] }], 'function response turn comes immediately after a function call turn'],
    [
      'fewer responses than calls',
      [
        { role: 'user', parts: [{ text: 'x' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }, { functionCall: { name: 'get_weather', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: {} } }] },
      ],
      'number of function response parts is equal to the number of function call parts',
    ],
    [
      'a response to another function',
      [
        { role: 'user', parts: [{ text: 'x' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: {} } }] },
      ],
      'does not answer any function call',
    ],
    ['a bad role', [{ role: 'assistant', parts: [{ text: 'x' }] }], 'Please use a valid role: user, model.'],
    ['an empty content', [{ role: 'user', parts: [] }], 'contents.parts must not be empty'],
    ['an unsupported image type', [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/bmp', data: 'Qk0=' } }] }], 'Unsupported MIME type: image/bmp'],
  ])('answers %s with Gemini\'s 400, which the SDK raises as ApiError', async (_name, contents, message) => {
    const error = await rejection(ai.models.generateContent({ model: 'gemini-2.5-flash', contents, config: { tools: [weatherTool] } }));
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
    expect(error.message).toContain('INVALID_ARGUMENT');
  });

  it('refuses generation settings out of range, naming the field', async () => {
    const error = await rejection(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x', config: { logprobs: 3 } }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('generation_config.logprobs');
  });

  it('a scripted outage is a 503 UNAVAILABLE, streamed or not', async () => {
    const error = await rejection(ai.models.generateContent({ model: 'gemini-down', contents: 'x' }));
    expect(error.status).toBe(503);
    expect(error.message).toContain('UNAVAILABLE');
    const streamed = await rejection(ai.models.generateContentStream({ model: 'gemini-down', contents: 'x' }));
    expect(streamed.status).toBe(503);
  });

  it('a wrong key is Gemini\'s 400 API_KEY_INVALID', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'nope', httpOptions: { baseUrl: sim.url, retryOptions: { attempts: 1 } } });
    const error = await rejection(wrong.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('API_KEY_INVALID');
  });
});
