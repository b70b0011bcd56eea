// The backend of the fresh app, with the plugins installed from tarballs:
// the health route, a guest token from the template's guest provider, the
// sample entity in the catalog, and the entity's connectivity computed from
// this repository's examples/ (checkout: default deny both ways, may call
// cart on TCP 50051, no policy lets it call payments).
//
//   node check-backend.mjs <backend base URL>
import assert from 'node:assert/strict';

const [base] = process.argv.slice(2);
if (!base) {
  console.error('usage: check-backend.mjs <base URL>');
  process.exit(2);
}
const entity = 'component/default/checkout';

async function get(path, token) {
  const res = await fetch(`${base}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

const health = await get('/api/cilium/health');
assert.equal(health.status, 200, `health: ${JSON.stringify(health.body)}`);
assert.equal(health.body.status, 'ok');
assert.deepEqual(health.body.clusters, ['dev']);
console.log(`GET /api/cilium/health -> 200 ${JSON.stringify(health.body)}`);

const unauthenticated = await get(
  `/api/cilium/entities/${entity}/connectivity`,
);
assert.equal(unauthenticated.status, 401, 'connectivity without a token');
console.log('GET connectivity without a token -> 401');

const refresh = await fetch(`${base}/api/auth/guest/refresh`, {
  headers: { 'x-requested-with': 'XMLHttpRequest' },
  signal: AbortSignal.timeout(30_000),
});
assert.equal(
  refresh.status,
  200,
  `guest refresh: ${await refresh.clone().text()}`,
);
const token = (await refresh.json()).backstageIdentity?.token;
assert.ok(token, 'the guest provider issued no token');
console.log('GET /api/auth/guest/refresh -> a guest token');

// The catalog reads examples/catalog in the background: wait for the entity.
const deadline = Date.now() + 180_000;
let found;
do {
  found = await get(`/api/catalog/entities/by-name/${entity}`, token);
  if (found.status === 200) break;
  await new Promise(r => setTimeout(r, 2000));
} while (Date.now() < deadline);
assert.equal(found.status, 200, `catalog never listed ${entity}`);
console.log(`GET /api/catalog/entities/by-name/${entity} -> 200`);

const res = await get(`/api/cilium/entities/${entity}/connectivity`, token);
assert.equal(res.status, 200, `connectivity: ${JSON.stringify(res.body)}`);
const c = res.body;
assert.equal(c.entityRef, 'component:default/checkout');
assert.equal(c.cluster, 'dev');
assert.ok(c.workloads.length > 0, 'no workloads from examples/cluster');
assert.ok(
  c.coverage.every(w => w.ingress.isolated && w.egress.isolated),
  `checkout is not default-deny: ${JSON.stringify(c.coverage)}`,
);
const peers = c.egress.map(e => `${e.peer.id} ${e.ports}`);
assert.ok(
  c.egress.some(e => e.peer.id.includes('cart') && e.ports.includes('50051')),
  `no egress to cart on 50051 in ${JSON.stringify(peers)}`,
);
assert.ok(
  !c.egress.some(e => e.peer.id.includes('payments')),
  `egress to payments should not be allowed: ${JSON.stringify(peers)}`,
);
console.log(
  `GET /api/cilium/entities/${entity}/connectivity -> 200: ${c.workloads.length} workload(s), ` +
    `${c.ingress.length} ingress and ${
      c.egress.length
    } egress edges, egress peers ${peers.join(', ')}`,
);
