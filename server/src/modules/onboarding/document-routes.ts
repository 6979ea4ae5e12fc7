import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { DOCUMENT_TYPES } from './entity.js';
import { AppParams, DocParams } from './schemas.js';
import { ACCEPTED_TYPES } from './documents.js';
import type { UploadTicket } from './upload-caps.js';
import { serializeDocument } from './view.js';

const tags = ['onboarding'];

/** The request's Content-Length, when it sent a usable one. */
function requestBytes(request: FastifyRequest): number | undefined {
  const value = request.headers['content-length'];
  return value && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * After a refusal mid-body the rest is read and dropped (not parsed, not kept), so that a
 * browser still sending it receives the answer instead of a reset connection. (A body nobody
 * started reading, Node's HTTP server drops by itself once the answer is sent.)
 */
function discardBody(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

export const documentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { documents, uploads } = app.investors;
  await app.register(multipart, {
    limits: { fileSize: uploads.limits.maxFileBytes, files: 1, fields: 5, parts: 6, headerPairs: 100 },
  });
  const tickets = new WeakMap<FastifyRequest, UploadTicket>();

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
      // Runs before anything reads the body: a caller who may not upload here, or an
      // application at its caps, is refused without the file being received.
      preHandler: async (request) => {
        if (!request.isMultipart()) {
          throw new AppError(
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the document as multipart/form-data with a "file" field',
          );
        }
        tickets.set(
          request,
          await uploads.reserve(request.principal!, request.params.id, requestBytes(request)),
        );
      },
    },
    async (request, reply) => {
      const ticket = tickets.get(request)!;
      const nextPart = async (): Promise<MultipartFile | undefined> => {
        try {
          return await request.file({ limits: { fileSize: ticket.limit + 1 } });
        } catch (err) {
          throw new AppError('BAD_REQUEST', `The multipart body is malformed: ${(err as Error).message}`);
        }
      };
      try {
        const doc = await uploads.receive(request.principal!, ticket, request.query.type, nextPart);
        return await reply.status(201).send(serializeDocument(doc));
      } catch (err) {
        discardBody(request);
        throw err;
      }
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
      const { doc, body } = await documents.open(
        request.principal!,
        request.params.id,
        request.params.documentId,
      );
      return reply
        .header('content-type', doc.contentType)
        .header('content-length', doc.size)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(doc.filename)}`)
        .header('x-content-sha256', doc.sha256)
        .header('cache-control', 'no-store')
        .send(body);
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
