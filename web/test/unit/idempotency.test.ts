import { describe, expect, it } from 'vitest';
import { createApiClient, request } from '../../src/api/client';
import { ActionKeys, randomKey } from '../../src/api/idempotency';
import { uploadFile } from '../../src/api/upload';
import { jsonResponse, operationFixture } from './fixtures';

const inProgress = {
  statusCode: 409,
  code: 'REQUEST_IN_PROGRESS',
  error: 'Conflict',
  message: 'An earlier request with this Idempotency-Key is still being processed; retry in a moment',
};

/** A client whose fetch answers from a script, recording the Idempotency-Key of each call. */
function scripted(...answers: (Response | 'network-error')[]) {
  const sent: { method: string; key: string | null }[] = [];
  let n = 0;
  const api = createApiClient({
    baseUrl: 'http://stoa.test',
    keys: new ActionKeys(() => `key-${++n}`),
    fetch: async (req: Request) => {
      sent.push({ method: req.method, key: req.headers.get('idempotency-key') });
      const answer = answers.shift() ?? jsonResponse(operationFixture(), 202);
      if (answer === 'network-error') throw new TypeError('Failed to fetch');
      return answer;
    },
  });
  const remark = (text: string) => request(api.POST('/operations/remarks', { body: { remark: text } }));
  return { api, sent, remark };
}

describe('Idempotency-Keys of the portal', () => {
  it('keeps one key for a call retried after no answer, a server error or "still processing"', async () => {
    const { sent, remark } = scripted('network-error', jsonResponse({}, 502), jsonResponse(inProgress, 409));
    for (let i = 0; i < 3; i++) await remark('anchor').catch(() => undefined);
    await remark('anchor');
    expect(sent.map((s) => s.key)).toEqual(['key-1', 'key-1', 'key-1', 'key-1']);
  });

  it('starts a new action, with a new key, after a definite answer or for other details', async () => {
    const refusal = { statusCode: 422, code: 'RULE_VIOLATION', message: 'refused' };
    const { sent, remark } = scripted(jsonResponse(operationFixture(), 202), jsonResponse(refusal, 422));
    await remark('anchor');
    await remark('anchor').catch(() => undefined);
    await remark('anchor');
    await remark('another');
    expect(sent.map((s) => s.key)).toEqual(['key-1', 'key-2', 'key-3', 'key-4']);
  });

  it('sends no key on reads', async () => {
    const { api, sent } = scripted(jsonResponse(operationFixture()));
    await request(api.GET('/operations/{id}', { params: { path: { id: operationFixture().id } } }));
    expect(sent).toEqual([{ method: 'GET', key: null }]);
  });

  it('tells people in words when an earlier attempt is still running', async () => {
    const { remark } = scripted(jsonResponse(inProgress, 409));
    await expect(remark('anchor')).rejects.toMatchObject({
      code: 'REQUEST_IN_PROGRESS',
      message:
        'Your earlier attempt is still being processed. Wait a moment, then try again to see its result.',
    });
  });

  it('makes random keys the server accepts', () => {
    const a = randomKey();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(randomKey()).not.toBe(a);
  });

  it('sends the same key for an upload retried after a network failure, a new one after success', async () => {
    const keys = new ActionKeys(randomKey);
    const file = new Blob(['%PDF-1.7'], { type: 'application/pdf' });
    const sentKeys: string[] = [];
    const attempt = (outcome: 'error' | 'ok') => {
      const headers: Record<string, string> = {};
      const xhr = {
        upload: {},
        status: 201,
        responseText: '{"id":"doc-1"}',
        open() {},
        setRequestHeader(name: string, value: string) {
          headers[name] = value;
        },
        send() {
          sentKeys.push(headers['idempotency-key']!);
          if (outcome === 'error') this.onerror?.();
          else this.onload?.();
        },
        onload: null as (() => void) | null,
        onerror: null as (() => void) | null,
      };
      return uploadFile('/onboarding/applications/a1/documents?type=id', file, 'passport.pdf', {
        keys,
        createRequest: () => xhr as unknown as XMLHttpRequest,
      }).catch(() => undefined);
    };
    await attempt('error');
    await attempt('ok');
    await attempt('ok');
    expect(sentKeys[0]).toBe(sentKeys[1]);
    expect(sentKeys[2]).not.toBe(sentKeys[1]);
  });
});
