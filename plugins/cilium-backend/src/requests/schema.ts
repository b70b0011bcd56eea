import { InputError } from '@backstage/errors';
import { controlCharacterProblem } from '@cilium-zero-trust/cilium-policy-engine';
import {
  CONNECTIVITY_REQUEST_STATES,
  ConnectivityRequestState,
} from '@cilium-zero-trust/plugin-cilium-common';
import { z } from 'zod';

/**
 * Refuses control characters and line terminators (C0, DEL, C1 such as NEL,
 * LS, PS): single-line fields allow none, free text (`multiLine`) allows LF,
 * CRLF and TAB. The message names the code point and where it is.
 */
function noControlCharacters(multiLine = false) {
  return (value: string | undefined, ctx: z.RefinementCtx) => {
    if (value === undefined) return;
    const problem = controlCharacterProblem(value, {
      allowNewLines: multiLine,
    });
    if (problem)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  };
}

const entityRef = z
  .string({
    required_error: 'is required',
    invalid_type_error:
      'must be an entity ref string such as component:default/checkout',
  })
  .trim()
  .min(3, 'must be an entity ref such as component:default/checkout')
  .max(255, 'must be at most 255 characters')
  .superRefine(noControlCharacters());

const target = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('entity'), ref: entityRef }).strict(),
    z
      .object({
        type: z.literal('fqdn'),
        name: z
          .string()
          .trim()
          .min(1, 'must be a host name such as api.example.com')
          .max(255)
          .superRefine(noControlCharacters()),
      })
      .strict(),
    z
      .object({
        type: z.literal('cidr'),
        cidr: z
          .string()
          .trim()
          .min(1, 'must be a CIDR such as 10.20.0.0/16')
          .max(64)
          .superRefine(noControlCharacters()),
      })
      .strict(),
    z
      .object({
        type: z.literal('cilium-entity'),
        entity: z
          .string()
          .trim()
          .min(1, 'must be a Cilium entity such as kube-apiserver')
          .max(32)
          .superRefine(noControlCharacters()),
      })
      .strict(),
  ],
  {
    errorMap: () => ({
      message: 'type must be one of entity, fqdn, cidr, cilium-entity',
    }),
  },
);

const port = z
  .object({
    port: z
      .number({
        invalid_type_error: 'must be a number',
        required_error: 'is required',
      })
      .int('must be a whole number')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535'),
    endPort: z
      .number({ invalid_type_error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP', 'ANY'], {
      errorMap: () => ({ message: 'must be TCP, UDP, SCTP or ANY' }),
    }),
  })
  .strict()
  .refine(p => p.endPort === undefined || p.endPort >= p.port, {
    message: 'endPort must not be below port',
    path: ['endPort'],
  });

/** A cluster name: a lower-case DNS label (checked without backtracking). */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The JSON body of `POST /requests` and `POST /requests/preview`. */
export const requestBodySchema = z
  .object({
    source: entityRef,
    target,
    ports: z
      .array(port)
      .min(1, 'needs at least one port')
      .max(40, "allows at most 40 ports (Cilium's limit per rule)"),
    http: z
      .array(
        z
          .object({
            method: z
              .string()
              .trim()
              .min(1)
              .max(64)
              .superRefine(noControlCharacters())
              .optional(),
            path: z
              .string()
              .trim()
              .min(1)
              .max(1024)
              .superRefine(noControlCharacters())
              .optional(),
          })
          .strict(),
      )
      .max(20, 'allows at most 20 HTTP rules')
      .optional(),
    justification: z
      .string({
        required_error: 'is required: say why the connection is needed',
        invalid_type_error: 'must be text',
      })
      .trim()
      .min(10, 'must say why the connection is needed (at least 10 characters)')
      .max(2000, 'must be at most 2000 characters')
      .superRefine(noControlCharacters(true)),
    expiresAt: z
      .string({ invalid_type_error: 'must be an ISO-8601 date-time string' })
      .datetime({
        offset: true,
        message: 'must be an ISO-8601 date-time such as 2030-01-31T00:00:00Z',
      })
      .optional(),
    clusters: z
      .array(
        z
          .string({ invalid_type_error: 'must be cluster names' })
          .max(63, 'must be cluster names of at most 63 characters')
          .regex(
            CLUSTER_NAME,
            "must be cluster names (lower-case letters, digits and '-')",
          ),
        { invalid_type_error: 'must be a list of cluster names' },
      )
      .min(1, 'must name at least one cluster (or leave it out)')
      .max(64, 'names too many clusters')
      .refine(list => new Set(list).size === list.length, {
        message: 'must not name a cluster twice',
      })
      .optional(),
  })
  .strict();

/** A validated request body. */
export type RequestBody = z.infer<typeof requestBodySchema>;

/** The body of `POST /requests/:id/reject`. */
export const rejectBodySchema = z
  .object({
    reason: z
      .string({
        required_error: 'is required: tell the requester why',
        invalid_type_error: 'must be text',
      })
      .trim()
      .min(3, 'must tell the requester why (at least 3 characters)')
      .max(2000)
      .superRefine(noControlCharacters(true)),
  })
  .strict();

/** The optional body of approve and withdraw. */
export const commentBodySchema = z
  .object({
    comment: z
      .string()
      .trim()
      .max(2000, 'must be at most 2000 characters')
      .superRefine(noControlCharacters(true))
      .optional(),
  })
  .strict();

/** The query of `GET /requests`. */
export const listQuerySchema = z
  .object({
    entity: entityRef.optional(),
    state: z
      .enum(CONNECTIVITY_REQUEST_STATES as [string, ...string[]], {
        errorMap: () => ({
          message: `must be one of ${CONNECTIVITY_REQUEST_STATES.join(', ')}`,
        }),
      })
      .transform(s => s as ConnectivityRequestState)
      .optional(),
    mine: z
      .enum(['true', 'false'], {
        errorMap: () => ({ message: 'must be true or false' }),
      })
      .optional(),
    'to-review': z
      .enum(['true', 'false'], {
        errorMap: () => ({ message: 'must be true or false' }),
      })
      .optional(),
  })
  .strict();

/** The query of `GET /audit`. */
export const auditQuerySchema = z
  .object({
    format: z
      .enum(['jsonl', 'csv'], {
        errorMap: () => ({ message: 'must be jsonl or csv' }),
      })
      .default('jsonl'),
    from: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .optional(),
    to: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .optional(),
    entity: entityRef.optional(),
  })
  .strict();

/**
 * Parses with a schema; a failure is an InputError whose message names every
 * offending field and what to do about it.
 */
export function parseOrThrow<T>(
  schema: z.ZodType<T, any, any>,
  value: unknown,
  what: string,
): T {
  if (
    value === undefined ||
    value === null ||
    (typeof value !== 'object' && what.endsWith('body'))
  ) {
    throw new InputError(
      `The ${what} must be a JSON object (send Content-Type: application/json)`,
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map(issue => {
    const where = issue.path.length ? issue.path.join('.') : what;
    if (issue.code === 'unrecognized_keys') {
      return `${
        where === what ? '' : `${where}: `
      }unknown field(s) ${issue.keys.join(', ')}`.trim();
    }
    return `${where} ${issue.message}`;
  });
  throw new InputError(`Invalid ${what}: ${problems.join('; ')}`);
}
