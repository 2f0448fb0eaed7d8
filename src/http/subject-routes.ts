/**
 * PUT and DELETE /v1/subjects/{subject}/reference: enrol or remove a subject's reference face (scope
 * subjects:write). The enrolment photo goes through a full, audited liveness check with that subject;
 * only a live check with one clear face becomes a reference, and only its descriptor is kept
 * (encrypted), never the image.
 */

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/auth-middleware.js';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../errors.js';
import type { FaceReferences } from '../identity/face-references.js';
import type { CheckService } from '../service/check-service.js';
import { enrolFromCheck } from '../service/enrol-reference.js';
import type { AppEnv } from './app-env.js';
import { boundedBody } from './bounded-body.js';
import { AUTH_RESPONSES } from './check-routes.js';
import { problemAnswer, subjectSchema } from './schemas.js';

export interface SubjectRouteOptions {
  checks: CheckService;
  /** Absent when IFAS_REFERENCE_KEY is not set: the routes then answer 404. */
  references?: FaceReferences | undefined;
  maxBodyBytes: number;
  maxImageBytes: number;
}

const subjectParamSchema = z.object({ subject: subjectSchema });

const referenceSchema = z
  .object({
    subject: z.string(),
    model: z.string().openapi({ description: 'The embedding model of the stored descriptor.' }),
    checkId: z.string().openapi({ description: 'The live check the reference was enrolled from.' }),
    enrolledAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ReferenceFace');

const putReference = createRoute({
  method: 'put',
  path: '/v1/subjects/{subject}/reference',
  summary: "Enrol (or replace) a subject's reference face",
  description:
    'The photo is checked for liveness (recorded in the audit log with this subject). A live check with ' +
    'one clear face becomes the reference: its face descriptor is stored encrypted, the image is not ' +
    'kept. Afterwards every check with this subject carries `match`, and logins pass only when live and matched.',
  security: [{ apiKey: [] }, { bearer: [] }],
  request: {
    params: subjectParamSchema,
    body: {
      content: {
        'multipart/form-data': {
          schema: z.object({
            image: z.instanceof(File).openapi({ type: 'string', format: 'binary' }),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Enrolled.',
      content: { 'application/json': { schema: referenceSchema } },
    },
    ...AUTH_RESPONSES,
    404: problemAnswer('Reference faces are not enabled on this deployment.'),
    413: problemAnswer('Body or image over the size limit.'),
    422: problemAnswer(
      'REFERENCE_REJECTED: no face, several faces, poor quality or not live (details.reason); nothing stored.',
    ),
  },
});

const deleteReference = createRoute({
  method: 'delete',
  path: '/v1/subjects/{subject}/reference',
  summary: "Remove a subject's reference face",
  security: [{ apiKey: [] }, { bearer: [] }],
  request: { params: subjectParamSchema },
  responses: {
    204: { description: 'Removed.' },
    ...AUTH_RESPONSES,
    404: problemAnswer('No reference for this subject (or reference faces are not enabled).'),
  },
});

export function registerSubjectRoutes(
  app: OpenAPIHono<AppEnv>,
  options: SubjectRouteOptions,
): void {
  const { checks } = options;
  const enabled = (): FaceReferences => {
    if (!options.references) {
      throw new NotFoundError('reference faces are not enabled (set IFAS_REFERENCE_KEY)');
    }
    return options.references;
  };
  app.use('/v1/subjects/*', boundedBody(options.maxBodyBytes));
  app.on(['PUT', 'DELETE'], '/v1/subjects/:subject/reference', requireScope('subjects:write'));

  app.openapi(putReference, async (c) => {
    const references = enabled();
    const { subject } = c.req.valid('param');
    const form = c.req.valid('form');
    if (!(form.image instanceof File)) {
      throw new ValidationError('image must be a file part, not a text field');
    }
    const image = new Uint8Array(await form.image.arrayBuffer());
    if (image.byteLength > options.maxImageBytes) {
      throw new PayloadTooLargeError(`the image is over ${options.maxImageBytes} bytes`);
    }
    const principal = c.get('principal');
    const outcome = await checks.submit({
      tenant: principal.tenant,
      image,
      subject,
      clientRequestId: null,
      explain: 'auto',
      caller: principal.caller,
      requestId: c.get('requestId'),
      userAgent: c.req.header('user-agent') ?? null,
      keepPixels: true,
    });
    const reference = await enrolFromCheck(
      references,
      principal.tenant,
      { subject },
      image,
      outcome,
    );
    return c.json(
      {
        subject,
        model: reference.model,
        checkId: reference.checkId,
        enrolledAt: reference.enrolledAt,
      },
      201,
    );
  });

  app.openapi(deleteReference, async (c) => {
    const references = enabled();
    const { subject } = c.req.valid('param');
    if (!(await references.remove(c.get('principal').tenant, subject))) {
      throw new NotFoundError(`no reference face for subject ${subject}`);
    }
    return c.body(null, 204) as never;
  });
}
