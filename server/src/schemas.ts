import Type, { type TStringOptions } from 'typebox';

/**
 * Text the chain stores, bounded as the chain bounds it: in UTF-8 bytes (`x-maxBytes`, see
 * lib/chain-keywords.ts), which also bounds the characters, so no `maxLength` repeats it.
 */
export const ChainText = (maxBytes: number, options: TStringOptions = {}) =>
  Type.String({
    minLength: 1,
    'x-maxBytes': maxBytes,
    description: `At most ${maxBytes} bytes of UTF-8 (non-ASCII characters take 2–4)`,
    ...options,
  });

/** Shared response shapes. Every error the API sends has this body. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Machine-readable error code (AppError code)' }),
    error: Type.String({ description: 'HTTP status text' }),
    message: Type.String({ description: 'What was wrong and, where possible, how to fix it' }),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(
      Type.Object(
        {
          fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
          chainError: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { $id: 'ErrorBody' },
);

export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  422: Type.Ref('ErrorBody'),
  429: Type.Ref('ErrorBody'),
  /** Shedding load (Retry-After), or the chain or another service is unavailable. */
  503: Type.Ref('ErrorBody'),
} as const;
