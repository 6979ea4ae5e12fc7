import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, request, toApiError } from '../../src/api/client';
import { jsonResponse, operationFixture } from './fixtures';

describe('toApiError', () => {
  it('keeps the code, message and field details of a server error body', () => {
    const error = toApiError(
      {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        error: 'Bad Request',
        message: 'The request is invalid: fix the fields listed in details.',
        details: {
          fields: [
            { field: '/body/email', message: 'must be an email address' },
            { field: '/body/country', message: 'must be an ISO 3166 alpha-2 code' },
            { field: '/body/email', message: 'second message for the same field' },
          ],
        },
      },
      400,
    );

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The request is invalid: fix the fields listed in details.');
    expect(error.details).toHaveLength(3);
    expect(error.fieldErrors).toEqual({
      '/body/email': 'must be an email address',
      '/body/country': 'must be an ISO 3166 alpha-2 code',
    });
  });

  it('drops malformed detail entries instead of failing', () => {
    const error = toApiError(
      {
        statusCode: 422,
        code: 'X',
        message: 'bad',
        details: { fields: [{ field: 1 }, 'oops', { field: 'a', message: 'b' }] },
      },
      422,
    );
    expect(error.details).toEqual([{ field: 'a', message: 'b' }]);
  });

  it('gives a readable message when the body is not an error body', () => {
    const proxyPage = toApiError('<html>Bad Gateway</html>', 502);
    expect(proxyPage.status).toBe(502);
    expect(proxyPage.code).toBe('HTTP_502');
    expect(proxyPage.message).toMatch(/server failed/i);
    expect(proxyPage.fieldErrors).toEqual({});

    expect(toApiError(undefined, 0)).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(toApiError({}, 404).message).toBe('Not found.');
    expect(toApiError({ message: '' }, 418).message).toBe('Request failed (HTTP 418).');
  });
});

describe('request', () => {
  const id = operationFixture().id;

  it('returns the data of a successful call', async () => {
    const fetch = vi.fn(async (_req: Request) => jsonResponse(operationFixture({ status: 'submitted' })));
    const api = createApiClient({ baseUrl: 'http://stoa.test', fetch });

    const operation = await request(api.GET('/operations/{id}', { params: { path: { id } } }));

    expect(operation.status).toBe('submitted');
    const sent = fetch.mock.calls[0]?.[0];
    expect(sent?.url).toBe(`http://stoa.test/operations/${id}`);
    expect(sent?.method).toBe('GET');
  });

  it('throws an ApiError built from the error body', async () => {
    const body = {
      statusCode: 404,
      code: 'OPERATION_NOT_FOUND',
      error: 'Not Found',
      message: 'No such operation.',
    };
    const api = createApiClient({ baseUrl: 'http://stoa.test', fetch: async () => jsonResponse(body, 404) });

    const failure = await request(api.GET('/operations/{id}', { params: { path: { id } } })).catch((e) => e);

    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      status: 404,
      code: 'OPERATION_NOT_FOUND',
      message: 'No such operation.',
    });
  });

  it('turns a network failure into a status-0 ApiError', async () => {
    const api = createApiClient({
      baseUrl: 'http://stoa.test',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });

    await expect(request(api.GET('/health'))).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});
