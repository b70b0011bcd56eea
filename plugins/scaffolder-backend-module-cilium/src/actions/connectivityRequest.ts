import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { examples } from './connectivityRequest.examples';

/**
 * Dependencies of the action.
 *
 * @public
 */
export interface ConnectivityRequestActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** fetch, injectable for tests. */
  fetch?: typeof fetch;
}

/**
 * The input of `cilium:connectivity:request` (the body of the cilium
 * backend's `POST /requests`).
 *
 * @public
 */
export type ConnectivityRequestActionInput = {
  /** The entity whose pods open the connection. */
  source: string;
  target:
    | { type: 'entity'; ref: string }
    | { type: 'fqdn'; name: string }
    | { type: 'cidr'; cidr: string }
    | { type: 'cilium-entity'; entity: string };
  ports: Array<{
    port: number;
    endPort?: number | undefined;
    protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY';
  }>;
  justification: string;
  http?: Array<{ method?: string | undefined; path?: string | undefined }>;
  expiresAt?: string | undefined;
  /**
   * The clusters the policies are for (one policy set each); the source and
   * an entity target must run in each. Default: the source's default cluster.
   */
  clusters?: string[] | undefined;
};

/**
 * The output of `cilium:connectivity:request`.
 *
 * @public
 */
export type ConnectivityRequestActionOutput = {
  /** The filed request (not set in a dry run). */
  requestId?: string | undefined;
  state?: string | undefined;
  /** Paths of the generated policy files. */
  policies: string[];
  /** Edges the change adds, as `src -> dst: conn`. */
  added: string[];
};

/**
 * `cilium:connectivity:request`: files a Cilium connectivity change request
 * (or, in a dry run, previews it) through the cilium backend's API, on behalf
 * of the user who runs the template, so the same ownership gate, validation
 * and approvals apply as in the portal.
 * @public
 */
export function createConnectivityRequestAction(
  options: ConnectivityRequestActionOptions,
): TemplateAction<
  ConnectivityRequestActionInput,
  ConnectivityRequestActionOutput,
  'v2'
> {
  // Looked up per call, so a fetch patched later (tests, instrumentation) is used.
  const doFetch: typeof fetch = (url, init) =>
    (options.fetch ?? fetch)(url, init);
  return createTemplateAction({
    id: 'cilium:connectivity:request',
    description:
      'Files a Cilium connectivity change request: the backend checks that the user owns the source, generates the least-privilege CiliumNetworkPolicy pair, tests it and queues it for review. In a dry run it only previews.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        source: z =>
          z
            .string()
            .describe(
              'Entity ref of the calling service, e.g. component:default/checkout',
            ),
        target: z =>
          z
            .union([
              z.object({ type: z.literal('entity'), ref: z.string() }),
              z.object({ type: z.literal('fqdn'), name: z.string() }),
              z.object({ type: z.literal('cidr'), cidr: z.string() }),
              z.object({
                type: z.literal('cilium-entity'),
                entity: z.string(),
              }),
            ])
            .describe(
              'What to reach: a catalog entity, an FQDN, a CIDR or a Cilium entity such as kube-apiserver',
            ),
        ports: z =>
          z
            .array(
              z.object({
                port: z.number().int(),
                endPort: z.number().int().optional(),
                protocol: z.enum(['TCP', 'UDP', 'SCTP', 'ANY']),
              }),
            )
            .min(1)
            .describe('Ports (and ranges) to open'),
        http: z =>
          z
            .array(
              z.object({
                method: z.string().optional(),
                path: z.string().optional(),
              }),
            )
            .optional()
            .describe('Optional HTTP rules (TCP only)'),
        justification: z => z.string().describe('Why the connection is needed'),
        expiresAt: z =>
          z
            .string()
            .optional()
            .describe('ISO-8601 expiry of a temporary grant'),
        clusters: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "The clusters the policies are for, one policy set each (default: the source's default cluster)",
            ),
      },
      output: {
        requestId: z =>
          z
            .string()
            .optional()
            .describe('The filed request (not set in a dry run)'),
        state: z =>
          z.string().optional().describe('Its state, normally submitted'),
        policies: z =>
          z.array(z.string()).describe('Paths of the generated policy files'),
        added: z =>
          z
            .array(z.string())
            .describe('Edges the change adds, as "src -> dst: conn"'),
      },
    },
    async handler(ctx) {
      const { token } = await options.auth.getPluginRequestToken({
        onBehalfOf: await ctx.getInitiatorCredentials(),
        targetPluginId: 'cilium',
      });
      const baseUrl = await options.discovery.getBaseUrl('cilium');
      const preview = ctx.isDryRun === true;
      const body = {
        source: ctx.input.source,
        target: ctx.input.target,
        ports: ctx.input.ports,
        ...(ctx.input.http ? { http: ctx.input.http } : {}),
        justification: ctx.input.justification,
        ...(ctx.input.expiresAt ? { expiresAt: ctx.input.expiresAt } : {}),
        ...(ctx.input.clusters?.length ? { clusters: ctx.input.clusters } : {}),
      };
      const res = await doFetch(
        `${baseUrl}/requests${preview ? '/preview' : ''}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify(body),
        },
      );
      if (!res.ok) {
        const text = await res.text();
        let message = text;
        try {
          message = JSON.parse(text).error?.message ?? text;
        } catch {
          // not JSON: keep the text
        }
        throw new Error(
          `The cilium backend refused the request (${res.status}): ${message}`,
        );
      }
      const result = await res.json();
      const added = (result.diff?.added ?? []).map(
        (a: any) => `${a.src} -> ${a.dst}: ${a.after}`,
      );
      const policies = (result.policies ?? []).map((p: any) => p.path);
      if (preview) {
        ctx.logger.info(
          `Preview: ${
            result.ok ? 'would be accepted' : 'would be refused'
          }; adds ${added.join('; ') || 'nothing'}`,
        );
        for (const f of result.findings ?? [])
          ctx.logger.info(`${f.severity}: ${f.message}`);
      } else {
        ctx.logger.info(
          `Filed ${result.id} (${result.state}); it adds ${added.join('; ')}`,
        );
        ctx.output('requestId', result.id);
        ctx.output('state', result.state);
      }
      ctx.output('policies', policies);
      ctx.output('added', added);
    },
  });
}
