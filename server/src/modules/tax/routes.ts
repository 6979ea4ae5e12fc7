import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type {} from '../../plugins/tokenization.js';
import { errorResponses } from '../../schemas.js';
import { IdParams } from '../assets/schemas.js';
import { CAN } from '../auth/roles.js';
import { RATE_PATTERN } from './rates.js';

const tags = ['tax'];
const security = [{ bearer: [] }];
const Rate = Type.String({
  pattern: RATE_PATTERN,
  'x-hint': 'must be a percentage from 0 to 100, like 30 or 15.5',
  description: 'Percent withheld, 0–100, ≤ 4 decimals',
});
const Table = Type.Object(
  {
    usWithForm: Rate,
    usWithoutForm: Rate,
    nonUsDefault: Rate,
    treaty: Type.Array(
      Type.Object(
        {
          country: Type.String({
            pattern: '^[A-Z]{2}$',
            'x-hint': 'must be a two-letter country code such as DE',
          }),
          rate: Rate,
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  {
    additionalProperties: false,
    description:
      'US person with a W-9; US person without (backup withholding); non-US default; treaty rates by country of tax residency for holders with a valid W-8BEN(-E)',
    examples: [
      { usWithForm: '0', usWithoutForm: '24', nonUsDefault: '30', treaty: [{ country: 'DE', rate: '15' }] },
    ],
  },
);
const TableView = Type.Object({ table: Table, version: Type.Integer(), custom: Type.Boolean() });
const FormType = Type.Union([Type.Literal('W-9'), Type.Literal('W-8BEN'), Type.Literal('W-8BEN-E')]);
const FormView = Type.Object({
  form: FormType,
  signedOn: Type.String({ format: 'date' }),
  validUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'The first instant a W-8 no longer counts (end of the third calendar year after signing)',
  }),
  validNow: Type.Boolean(),
  recordedAt: Type.String({ format: 'date-time' }),
});

/** Withholding tables, tax forms on file and the rate preview for a distribution. */
export const taxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tax = app.tokenization.tax;
  const em = () => app.infra.db.orm.em.fork();

  app.get(
    '/issuers/:id/withholding-rates',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary: "An issuer's withholding rates (the defaults until changed)",
        params: IdParams,
        response: { 200: TableView, ...errorResponses },
      },
    },
    async (request) => tax.table(em(), request.params.id),
  );

  app.put(
    '/issuers/:id/withholding-rates',
    {
      config: { roles: CAN.setWithholding },
      schema: {
        tags,
        security,
        summary:
          "Replace an issuer's withholding rates (versioned; the change is audited with the old and new rates)",
        params: IdParams,
        body: Table,
        response: { 200: TableView, ...errorResponses },
      },
    },
    async (request) => tax.setTable(request.params.id, request.body, request.principal!.id),
  );

  app.post(
    '/identities/:id/tax-forms',
    {
      config: { roles: CAN.recordTaxForms },
      schema: {
        tags,
        security,
        summary:
          'Record a tax form an investor gave (W-9 for US persons, W-8BEN / W-8BEN-E otherwise); audited',
        params: IdParams,
        body: Type.Object(
          {
            form: FormType,
            signedOn: Type.String({ format: 'date', 'x-hint': 'must be a date like 2026-11-30' }),
            note: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: FormView, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await tax.recordForm(request.params.id, request.body, request.principal!.id)),
  );

  app.get(
    '/identities/:id/tax-forms',
    {
      config: { roles: CAN.readIdentities },
      schema: {
        tags,
        security,
        summary: "An investor's tax forms, newest first (the first one counts)",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(FormView) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await tax.forms(request.params.id) }),
  );

  app.get(
    '/identities/me/tax-form',
    {
      config: { roles: CAN.readOwnPortfolio },
      schema: {
        tags,
        security,
        summary: 'Your tax form on file and what it means for distributions to you',
        response: {
          200: Type.Object({
            form: Type.Union([FormView, Type.Null()]),
            needed: FormType,
            message: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => tax.mine(request.principal!.userId!),
  );

  app.get(
    '/assets/:id/withholding',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary:
          "Each investor holder's withholding rate for a distribution paid at `at` (default now), with its basis in words",
        params: IdParams,
        querystring: Type.Object({ at: Type.Optional(Type.String({ format: 'date-time' })) }),
        response: {
          200: Type.Object({
            assetId: Type.String({ format: 'uuid' }),
            at: Type.String({ format: 'date-time' }),
            table: Table,
            holders: Type.Array(
              Type.Object({
                did: Type.String(),
                name: Type.String(),
                taxResidency: Type.Union([Type.String(), Type.Null()]),
                form: Type.Union([FormType, Type.Null()]),
                rate: Rate,
                basis: Type.String(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      tax.preview(request.params.id, request.query.at ? new Date(request.query.at) : undefined),
  );
};
