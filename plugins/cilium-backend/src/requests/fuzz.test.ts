import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import path from 'path';
import request from 'supertest';
import { ciliumPlugin } from '../plugin';
import {
  ownershipOf,
  permissionsFactory,
  sampleConfig,
  sampleEntities,
  tempDir,
  userInfoFactory,
} from '../__testUtils__/sampleWorld';
import { seededRandom } from '@cilium-zero-trust/hubble-relay-sim';
import { demoRequest } from '../__testUtils__/requests';

const demo = demoRequest;

const SEED = Number(process.env.FUZZ_SEED ?? 20260101);

/** Values of every JSON type, plus hostile strings. */
function junk(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 14);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() > 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 1e12);
    case 3:
      return r() * 1e308 * (r() > 0.5 ? 1 : -1);
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(r() * 5000));
    case 6:
      return '\u0000\u202e<script>alert(1)</script>\ud83d';
    case 7:
      return '../../../etc/passwd';
    case 8:
      return "'; DROP TABLE cilium_requests; --";
    case 9:
      return {
        __proto__: { admin: true },
        constructor: { prototype: { polluted: true } },
      };
    case 10:
      return depth < 3 ? [junk(r, depth + 1), junk(r, depth + 1)] : [];
    case 11:
      return depth < 3
        ? { [`k${Math.floor(r() * 100)}`]: junk(r, depth + 1) }
        : {};
    case 12:
      return 65536 + Math.floor(r() * 1000);
    default:
      return -1;
  }
}

/** A request body that is always wrong in at least one way. */
function malformedRequest(r: () => number): unknown {
  const body: any = JSON.parse(JSON.stringify(demo));
  const breakers: Array<() => void> = [
    () =>
      delete body[
        ['source', 'target', 'ports', 'justification'][Math.floor(r() * 4)]
      ],
    () => (body.source = junk(r)),
    () =>
      (body.target = {
        type: ['entity', 'fqdn', 'cidr', 'cilium-entity', 'pod', ''][
          Math.floor(r() * 6)
        ],
        extra: junk(r),
      }),
    () => (body.target = junk(r)),
    () => (body.ports = junk(r)),
    () =>
      (body.ports = [
        {
          port: [0, -1, 65536, 1.5, '80', null][Math.floor(r() * 6)],
          protocol: 'TCP',
        },
      ]),
    () => (body.ports = [{ port: 80, protocol: junk(r) }]),
    () => (body.ports = [{ port: 9000, endPort: 8000, protocol: 'TCP' }]),
    () =>
      (body.ports = Array.from({ length: 41 }, (_, i) => ({
        port: 1000 + i,
        protocol: 'TCP',
      }))),
    () => (body.ports = []),
    () => (body.http = junk(r)),
    () => (body.http = [{ method: 'GET', path: junk(r), verb: 'x' }]),
    () =>
      (body.justification = ['', 'short', junk(r), 'y'.repeat(2001)][
        Math.floor(r() * 4)
      ]),
    () =>
      (body.expiresAt = ['tomorrow', '2020-13-45', junk(r), 12345][
        Math.floor(r() * 4)
      ]),
    () => (body[`unknown${Math.floor(r() * 10)}`] = junk(r)),
    () => (body.requester = 'user:default/priya.raman'),
  ];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) breakers[Math.floor(r() * breakers.length)]();
  // Whatever was picked, make sure the body is invalid: drop the justification
  // into a too-short one if the breakers happened to leave it intact and valid.
  if (r() < 0.5 || JSON.stringify(body) === JSON.stringify(demo))
    body.justification = 'no';
  return body;
}

function malformedDecision(r: () => number): unknown {
  const options = [
    () => junk(r),
    () => ({ reason: junk(r), unexpected: true }),
    () => ({ comment: junk(r), extra: 1 }),
    () => ({ reason: '' }),
    () => ({ comment: 'c'.repeat(2001) }),
    () => [junk(r)],
  ];
  return options[Math.floor(r() * options.length)]();
}

const RAW = [
  '{',
  '{"source":',
  'null',
  '[]',
  '"string"',
  '42',
  'true',
  '{"a":1,}',
  '\u0000',
  '{"__proto__":{"x":1}}',
  'a'.repeat(70000),
];

describe('fuzzing the write routes', () => {
  jest.setTimeout(180000);

  it(`answers ≥ 1,000 malformed bodies with 4xx and a message, and stays up (seed ${SEED})`, async () => {
    const entities = sampleEntities();
    const ownership = ownershipOf(entities);
    const backend = await startTestBackend({
      features: [
        ciliumPlugin,
        sampleConfig(path.join(tempDir('cilium-git-'), 'gitops.git')),
        catalogServiceMock.factory({ entities }),
        userInfoFactory(ownership),
        permissionsFactory(entities, ownership),
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
      ],
    });
    const server = backend.server;
    const jane = mockCredentials.user.header('user:default/jane.doe');
    const priya = mockCredentials.user.header('user:default/priya.raman');
    try {
      const created = await request(server)
        .post('/api/cilium/requests')
        .set('authorization', jane)
        .send(demo);
      expect(created.status).toBe(201);
      const id = created.body.id;
      const r = seededRandom(SEED);
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      let sent = 0;
      for (let i = 0; i < 1100; i++) {
        const kind = Math.floor(r() * 10);
        let req: request.Test;
        let what: string;
        if (kind < 5) {
          const route =
            r() < 0.5 ? '/api/cilium/requests' : '/api/cilium/requests/preview';
          const body = malformedRequest(r);
          what = `${route} ${JSON.stringify(body).slice(0, 200)}`;
          req = request(server)
            .post(route)
            .set('authorization', jane)
            .set('content-type', 'application/json')
            .send(JSON.stringify(body) ?? 'null');
        } else if (kind < 8) {
          const action = ['approve', 'reject', 'withdraw'][Math.floor(r() * 3)];
          const target =
            r() < 0.7
              ? id
              : ['req-zzzzzzzz', '..%2F..', 'req-00000000', '%00'][
                  Math.floor(r() * 4)
                ];
          const body = malformedDecision(r);
          what = `${action} ${target} ${JSON.stringify(body)?.slice(0, 200)}`;
          req = request(server)
            .post(`/api/cilium/requests/${target}/${action}`)
            .set('authorization', r() < 0.5 ? priya : jane)
            .set('content-type', 'application/json')
            .send(JSON.stringify(body) ?? 'null');
        } else {
          const raw = RAW[Math.floor(r() * RAW.length)];
          const route = [
            '/api/cilium/requests',
            '/api/cilium/requests/preview',
            `/api/cilium/requests/${id}/reject`,
          ][Math.floor(r() * 3)];
          what = `${route} raw ${JSON.stringify(raw.slice(0, 40))}`;
          req = request(server)
            .post(route)
            .set('authorization', jane)
            .set(
              'content-type',
              r() < 0.8
                ? 'application/json'
                : 'application/json; charset=latin-7',
            )
            .send(raw);
        }
        const res = await req;
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const message = res.body?.error?.message;
        if (
          res.status < 400 ||
          res.status >= 500 ||
          typeof message !== 'string' ||
          !message.length
        ) {
          failures.push(
            `${res.status} ${what}: ${JSON.stringify(res.body).slice(0, 300)}`,
          );
        }
      }
      expect(sent).toBeGreaterThanOrEqual(1000);
      expect(failures).toEqual([]);
      // The request survived untouched and the server still works.
      expect((await request(server).get('/api/cilium/health')).status).toBe(
        200,
      );
      const still = await request(server)
        .get(`/api/cilium/requests/${id}`)
        .set('authorization', jane);
      expect(still.body.state).toBe('submitted');
      const ok = await request(server)
        .post('/api/cilium/requests/preview')
        .set('authorization', jane)
        .send(demo);
      expect(ok.status).toBe(200);
      expect([...statuses.keys()].every(s => s >= 400 && s < 500)).toBe(true);
    } finally {
      await backend.stop();
    }
  });
});
