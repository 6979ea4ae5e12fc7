import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { DOCUMENT_TYPES } from './entity.js';
import { AppParams, DocParams } from './schemas.js';
import { ACCEPTED_TYPES } from './documents.js';
import { serializeDocument } from './view.js';

const tags = ['onboarding'];

export const documentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { documents } = app.investors;
  await app.register(multipart, {
    limits: { fileSize: documents.maxBytes, files: 1, fields: 5, parts: 6, headerPairs: 100 },
  });

  app.post(
    '/onboarding/applications/:id/documents',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: `Upload one document (multipart/form-data, field "file"; ${ACCEPTED_TYPES.join(', ')}); stored encrypted`,
        security: SECURITY,
        consumes: ['multipart/form-data'],
        params: AppParams,
        querystring: Type.Object({ type: Type.Union(DOCUMENT_TYPES.map((t) => Type.Literal(t))) }),
        response: {
          201: Type.Ref('OnboardingDocument'),
          413: Type.Ref('ErrorBody'),
          415: Type.Ref('ErrorBody'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the document as multipart/form-data with a "file" field',
        );
      }
      let part;
      try {
        part = await request.file();
      } catch (err) {
        throw new AppError('BAD_REQUEST', `The multipart body is malformed: ${(err as Error).message}`);
      }
      if (!part) throw new AppError('BAD_REQUEST', 'The multipart body has no file; add a "file" field');
      const file = await documents.read(part);
      const doc = await documents.store(request.principal!, request.params.id, request.query.type, file);
      return reply.status(201).send(serializeDocument(doc));
    },
  );

  app.get(
    '/onboarding/applications/:id/documents/:documentId',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Download (decrypt) a document: the applicant or a reviewer; every access is audited',
        security: SECURITY,
        params: DocParams,
        produces: ['application/pdf', 'image/png', 'image/jpeg'],
        response: { 200: Type.String({ description: 'the file', format: 'binary' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { doc, content } = await documents.fetch(
        request.principal!,
        request.params.id,
        request.params.documentId,
      );
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(doc.filename)}`)
        .header('x-content-sha256', doc.sha256)
        .header('cache-control', 'no-store')
        .send(content);
    },
  );

  app.delete(
    '/onboarding/applications/:id/documents/:documentId',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: 'Delete a document (while the application is editable)',
        security: SECURITY,
        params: DocParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await documents.remove(request.principal!, request.params.id, request.params.documentId);
      return reply.status(204).send(null);
    },
  );
};
