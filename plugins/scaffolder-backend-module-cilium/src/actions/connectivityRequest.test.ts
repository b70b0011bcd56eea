import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createConnectivityRequestAction } from './connectivityRequest';

const input = {
  source: 'component:default/checkout',
  target: { type: 'entity' as const, ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' as const }],
  justification: 'Checkout takes card payments through the payments service.',
};

describe('cilium:connectivity:request', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const seen: Array<{ url: string; auth: string | null; body: any }> = [];

  beforeEach(() => {
    seen.length = 0;
    server.use(
      http.post(
        'http://cilium.test/api/cilium/requests',
        async ({ request }) => {
          const body = await request.json();
          seen.push({
            url: request.url,
            auth: request.headers.get('authorization'),
            body,
          });
          if ((body as any).source !== 'component:default/checkout') {
            return HttpResponse.json(
              {
                error: {
                  name: 'NotAllowedError',
                  message:
                    'Only the owners of component:default/cart may request connectivity for it',
                },
              },
              { status: 403 },
            );
          }
          return HttpResponse.json(
            {
              id: 'req-0a1b2c3d',
              state: 'submitted',
              policies: [{ path: 'policies/checkout/a.yaml' }],
              diff: {
                added: [
                  {
                    src: 'checkout/checkout[Deployment]',
                    dst: 'checkout/payments[Deployment]',
                    after: 'TCP 8443',
                  },
                ],
              },
            },
            { status: 201 },
          );
        },
      ),
      http.post(
        'http://cilium.test/api/cilium/requests/preview',
        async ({ request }) => {
          seen.push({
            url: request.url,
            auth: request.headers.get('authorization'),
            body: await request.json(),
          });
          return HttpResponse.json({
            ok: true,
            policies: [{ path: 'policies/checkout/a.yaml' }],
            findings: [],
            diff: { added: [] },
          });
        },
      ),
    );
  });

  const action = createConnectivityRequestAction({
    discovery: mockServices.discovery.mock({
      getBaseUrl: async id => `http://cilium.test/api/${id}`,
    }),
    auth: mockServices.auth(),
  });

  it('files the request on behalf of the user who runs the template', async () => {
    const ctx = {
      ...createMockActionContext({ input }),
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/jane.doe'),
    };
    await action.handler(ctx as any);
    expect(seen).toHaveLength(1);
    expect(seen[0].body).toEqual(input);
    // The token is the initiator's, issued for the cilium plugin.
    expect(seen[0].auth).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: mockCredentials.user('user:default/jane.doe'),
        targetPluginId: 'cilium',
      })}`,
    );
    expect(ctx.output).toHaveBeenCalledWith('requestId', 'req-0a1b2c3d');
    expect(ctx.output).toHaveBeenCalledWith('policies', [
      'policies/checkout/a.yaml',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('added', [
      'checkout/checkout[Deployment] -> checkout/payments[Deployment]: TCP 8443',
    ]);
  });

  it('sends the clusters the request is for when the template names them', async () => {
    const ctx = {
      ...createMockActionContext({
        input: { ...input, clusters: ['dev', 'prod'] },
      }),
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/jane.doe'),
    };
    await action.handler(ctx as any);
    expect(seen[0].body).toEqual({ ...input, clusters: ['dev', 'prod'] });
  });

  it('only previews in a dry run', async () => {
    const ctx = {
      ...createMockActionContext({ input }),
      isDryRun: true,
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/jane.doe'),
    };
    await action.handler(ctx as any);
    expect(seen.map(s => new URL(s.url).pathname)).toEqual([
      '/api/cilium/requests/preview',
    ]);
    expect(ctx.output).not.toHaveBeenCalledWith('requestId', expect.anything());
  });

  it("fails the step with the backend's refusal", async () => {
    const ctx = {
      ...createMockActionContext({
        input: { ...input, source: 'component:default/cart' },
      }),
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/lucia.fernandez'),
    };
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /cilium backend refused the request \(403\): Only the owners of component:default\/cart/,
    );
  });
});
