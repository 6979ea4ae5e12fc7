import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { hmacHex, sameHex } from '../../lib/crypto.js';
import { isAmount } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';

export const BANK_SIGNATURE_HEADER = 'x-stoa-bank-signature';
const TOLERANCE_S = 300;

export function signBankStatement(secret: string, raw: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex('sha256', secret, `${timestamp}.${raw}`)}`;
}

export interface StatementEntry {
  bankTxId: string;
  reference: string;
  amount: string;
}

/** Checks the signature and age of a delivery and reads its entries; throws 401/400 AppErrors. */
export function verifyStatement(
  secret: string,
  raw: Buffer,
  signature: string | undefined,
  now: Date,
): StatementEntry[] {
  if (!signature) throw new AppError('UNAUTHENTICATED', `Missing ${BANK_SIGNATURE_HEADER} header`);
  const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(signature);
  if (!m) throw new AppError('UNAUTHENTICATED', 'The signature header is not "t=<unix>,v1=<hex>"');
  const t = Number(m[1]);
  const expected = hmacHex('sha256', secret, Buffer.concat([Buffer.from(`${t}.`), raw]));
  if (!sameHex(expected, m[2]!))
    throw new AppError('UNAUTHENTICATED', 'The signature does not match the body');
  if (Math.abs(now.getTime() / 1000 - t) > TOLERANCE_S)
    throw new AppError('UNAUTHENTICATED', `The signature is more than ${TOLERANCE_S} seconds old`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('BAD_REQUEST', 'The statement is not JSON');
  }
  const entries = (body as { entries?: unknown }).entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 500)
    throw new AppError('BAD_REQUEST', 'The statement needs "entries": 1 to 500 incoming payments');
  return entries.map((e: unknown, i) => {
    const x = (e ?? {}) as Record<string, unknown>;
    if (typeof x.bankTxId !== 'string' || !x.bankTxId.trim() || x.bankTxId.length > 100)
      throw new AppError('BAD_REQUEST', `Entry ${i + 1} needs a bankTxId (1 to 100 characters)`);
    if (typeof x.reference !== 'string' || !x.reference.trim())
      throw new AppError('BAD_REQUEST', `Entry ${i + 1} needs the payment's reference`);
    if (typeof x.amount !== 'string' || !isAmount(x.amount))
      throw new AppError('BAD_REQUEST', `Entry ${i + 1} needs the amount as a decimal string, e.g. "250.00"`);
    return { bankTxId: x.bankTxId, reference: x.reference, amount: x.amount };
  });
}

/**
 * The bank's statement webhook: incoming payments, each credited once by its bank transaction
 * id. Registered only when BANK_WEBHOOK_SECRET is set. The signature is over the exact bytes,
 * so this plugin keeps bodies raw.
 */
export const bankWebhookRoutes: FastifyPluginAsyncTypebox<{ secret: string }> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  const Entry = Type.Object({
    bankTxId: Type.String(),
    outcome: Type.Union([
      Type.Literal('recorded'),
      Type.Literal('duplicate'),
      Type.Literal('unmatched'),
      Type.Literal('refused'),
    ]),
    message: Type.Optional(Type.String()),
  });
  app.post(
    '/treasury/webhooks/bank',
    {
      config: { public: true },
      schema: {
        tags: ['treasury'],
        summary:
          'Bank-statement webhook: incoming payments credited as stablecoin, once per bank transaction',
        description:
          `Body: {"entries":[{"bankTxId","reference","amount"}]}. Header ${BANK_SIGNATURE_HEADER}: ` +
          '"t=<unix>,v1=<HMAC-SHA256 hex of t.body with BANK_WEBHOOK_SECRET>", at most 5 minutes old. ' +
          'A re-delivered payment answers "duplicate"; a forged or stale delivery 401.',
        response: { 200: Type.Object({ entries: Type.Array(Entry) }), ...errorResponses },
      },
    },
    async (request) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0)
        throw new AppError('BAD_REQUEST', 'The statement body is empty');
      const sig = request.headers[BANK_SIGNATURE_HEADER];
      const entries = verifyStatement(
        opts.secret,
        raw,
        typeof sig === 'string' ? sig : undefined,
        new Date(),
      );
      const out = [];
      for (const e of entries) {
        try {
          const { duplicate } = await app.treasury.recordDeposit(e, 'bank-webhook', 'webhook');
          out.push({
            bankTxId: e.bankTxId,
            outcome: duplicate ? ('duplicate' as const) : ('recorded' as const),
          });
        } catch (err) {
          if (!(err instanceof AppError) || err.statusCode >= 500) throw err;
          // Unmatched or refused payments go to the treasury's manual queue; the bank must not retry them.
          await app.treasury.noteUnmatched(e, err.message);
          out.push({
            bankTxId: e.bankTxId,
            outcome: err.code === 'NOT_FOUND' ? ('unmatched' as const) : ('refused' as const),
            message: err.message,
          });
        }
      }
      return { entries: out };
    },
  );
};
