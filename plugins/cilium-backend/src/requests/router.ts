import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import { auditRequestAction } from './auditEvents';
import { eventsToCsv, eventsToJsonLines } from './auditExport';
import { RequestService } from './RequestService';
import {
  auditQuerySchema,
  commentBodySchema,
  listQuerySchema,
  parseOrThrow,
  rejectBodySchema,
  requestBodySchema,
} from './schema';

/** What the requests router needs. */
export interface RequestsRouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  service: RequestService;
}

const REQUEST_ID = /^req-[0-9a-f]{8}(-rm(-[1-9][0-9]{0,3})?)?$/;

function requestId(req: express.Request): string {
  const { id } = req.params;
  if (!REQUEST_ID.test(id))
    throw new NotFoundError(
      `"${id}" is not a request id (they look like req-1a2b3c4d)`,
    );
  return id;
}

/** The `type` body-parser puts on its errors (e.g. `entity.parse.failed`). */
function bodyParserErrorType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err))
    return undefined;
  return typeof err.type === 'string' ? err.type : undefined;
}

/**
 * The connectivity change-request routes, mounted under `/api/cilium`:
 * preview, create, list, get, approve, reject, withdraw, merge and the audit
 * export. Every state-changing route runs inside an auditor event.
 */
export async function createRequestsRouter(
  options: RequestsRouterOptions,
): Promise<express.Router> {
  const { httpAuth, auditor, service } = options;
  const router = Router();
  router.use(
    ['/requests', '/audit'],
    express.json({ limit: '64kb', strict: false }),
  );
  router.use(
    ['/requests', '/audit'],
    (
      err: unknown,
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      const type = bodyParserErrorType(err);
      const message = err instanceof Error ? err.message : String(err);
      if (type === 'entity.parse.failed') {
        next(
          new InputError(
            `The body is not valid JSON (${message}); send a JSON object`,
          ),
        );
      } else if (type === 'entity.too.large') {
        next(
          new InputError(
            'The body is larger than 64 kB; send a smaller JSON object',
          ),
        );
      } else if (
        type === 'charset.unsupported' ||
        type === 'encoding.unsupported'
      ) {
        next(new InputError(`${message}; send UTF-8 JSON`));
      } else {
        next(err);
      }
    },
  );

  async function caller(req: express.Request) {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    return service.caller(credentials);
  }

  router.post('/requests/preview', async (req, res) => {
    const body = await auditRequestAction(
      auditor,
      req,
      'preview',
      {},
      async () => {
        const who = await caller(req);
        return service.preview(
          parseOrThrow(requestBodySchema, req.body, 'request body'),
          who,
        );
      },
    );
    res.json(body);
  });

  router.post('/requests', async (req, res) => {
    const source =
      typeof req.body?.source === 'string'
        ? req.body.source.slice(0, 255)
        : undefined;
    const body = await auditRequestAction(
      auditor,
      req,
      'create',
      { entityRef: source },
      async () => {
        const who = await caller(req);
        return service.create(
          parseOrThrow(requestBodySchema, req.body, 'request body'),
          who,
        );
      },
    );
    res.status(201).json(body);
  });

  router.get('/requests', async (req, res) => {
    const who = await caller(req);
    const q = parseOrThrow(listQuerySchema, req.query, 'query');
    const items = await service.list(
      {
        entity: q.entity,
        state: q.state,
        mine: q.mine === 'true',
        toReview: q['to-review'] === 'true',
      },
      who,
    );
    res.json({ items });
  });

  router.get('/requests/:id', async (req, res) => {
    const who = await caller(req);
    res.json(await service.view(requestId(req), who));
  });

  /** A decision on one request: audited, caller resolved first, then the body, then the id. */
  function decisionRoute(
    action: 'approve' | 'reject' | 'withdraw',
    decide: (
      req: express.Request,
      who: Awaited<ReturnType<typeof caller>>,
      body: unknown,
    ) => Promise<unknown>,
  ) {
    router.post(`/requests/:id/${action}`, async (req, res) => {
      const body = await auditRequestAction(
        auditor,
        req,
        action,
        { requestId: req.params.id },
        async () =>
          decide(
            req,
            await caller(req),
            req.body === undefined ? {} : req.body,
          ),
      );
      res.json(body);
    });
  }

  decisionRoute('approve', async (req, who, body) => {
    const { comment } = parseOrThrow(commentBodySchema, body, 'request body');
    return service.approve(requestId(req), who, comment);
  });
  decisionRoute('reject', async (req, who, body) => {
    const { reason } = parseOrThrow(rejectBodySchema, body, 'request body');
    return service.reject(requestId(req), who, reason);
  });
  decisionRoute('withdraw', async (req, who, body) => {
    const { comment } = parseOrThrow(commentBodySchema, body, 'request body');
    return service.withdraw(requestId(req), who, comment);
  });

  router.post('/requests/:id/merge', async (req, res) => {
    const body = await auditRequestAction(
      auditor,
      req,
      'merge',
      { requestId: req.params.id },
      async () => {
        const who = await caller(req);
        return service.merge(requestId(req), who);
      },
    );
    res.json(body);
  });

  router.post('/requests/:id/retry-publish', async (req, res) => {
    const body = await auditRequestAction(
      auditor,
      req,
      'retry-publish',
      { requestId: req.params.id },
      async () => {
        const who = await caller(req);
        return service.retryPublish(requestId(req), who);
      },
    );
    res.json(body);
  });

  router.post('/requests/:id/file-removal', async (req, res) => {
    const body = await auditRequestAction(
      auditor,
      req,
      'file-removal',
      { requestId: req.params.id },
      async () => {
        const who = await caller(req);
        return service.fileRemovalAgain(requestId(req), who);
      },
    );
    res.json(body);
  });

  router.get('/audit', async (req, res) => {
    const q = parseOrThrow(auditQuerySchema, req.query, 'query');
    const events = await auditRequestAction(
      auditor,
      req,
      'export',
      { format: q.format },
      async () => {
        const who = await caller(req);
        return service.auditEvents(
          { from: q.from, to: q.to, entity: q.entity },
          who,
        );
      },
    );
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (q.format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader(
        'content-disposition',
        `attachment; filename="cilium-requests-audit-${stamp}.csv"`,
      );
      res.send(eventsToCsv(events));
    } else {
      res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
      res.setHeader(
        'content-disposition',
        `attachment; filename="cilium-requests-audit-${stamp}.jsonl"`,
      );
      res.send(eventsToJsonLines(events));
    }
  });

  return router;
}
