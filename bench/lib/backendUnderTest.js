/* eslint-disable no-console */
// Starts what a browser benchmark talks to: the Hubble Relay stand-in
// (packages/hubble-relay-sim) and the sample backend from its own sources
// (packages/backend/src/index.ts through sucrase: no watch mode, no bundling)
// with a temporary config. Children run in their own process groups and are
// killed with SIGKILL on exit: a backend sent SIGTERM with a Relay stream
// open can hang, and a leftover backend would answer the next run.
'use strict';
const { spawn, execSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const SIM = path.join(ROOT, 'packages/hubble-relay-sim/bin/hubble-relay-sim');

const children = [];
const tempPaths = [];
function cleanup() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const p of tempPaths) fs.rmSync(p, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function start(cmd, args, options) {
  const child = spawn(cmd, args, {
    ...options,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let log = '';
  const keep = d => {
    log = (log + d).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.log = () => log;
  return child;
}

/** The last lines each child printed (for an error report). */
function childLogs() {
  return children.map(c => c.log().slice(-2000)).join('\n---\n');
}

function get(port, pathname, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathname, headers },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', d => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
  });
}

async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

/** The process listening on a TCP port of this machine, if any. */
function listenerPid(port) {
  const out = execSync(`ss -ltnpH 'sport = :${port}'`, { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

/** Throws when a port the benchmark needs is taken. */
function assertPortsFree(ports) {
  for (const port of ports) {
    const out = execSync(`ss -ltnpH 'sport = :${port}'`, { encoding: 'utf8' });
    if (out.trim()) {
      const pid = /pid=(\d+)/.exec(out)?.[1];
      throw new Error(
        `port ${port} is taken${
          pid ? ` (pid ${pid})` : ''
        }, perhaps by a backend left from an earlier run`,
      );
    }
  }
}

/**
 * The Relay stand-in over the sample world, listening on 127.0.0.1:port:
 * `synthetic` traffic at `rate` flows/s, or `bench` (as fast as the client
 * drains); `extra` are more command-line arguments.
 */
function startRelaySim({ port, rate, mode = 'synthetic', extra = [] }) {
  return start(
    process.execPath,
    [
      SIM,
      mode,
      '--cluster',
      path.join(ROOT, 'examples/cluster'),
      '--policies',
      path.join(ROOT, 'examples/gitops/policies'),
      '--catalog',
      path.join(ROOT, 'examples/catalog'),
      '--listen',
      `127.0.0.1:${port}`,
      ...(rate !== undefined ? ['--rate', String(rate)] : []),
      '--quiet',
      ...extra,
    ],
    { cwd: ROOT },
  );
}

/**
 * The sample backend (root app-config.yaml plus an override: this port, an
 * in-memory database, the stand-in, a temporary GitOps repository). It serves
 * the app's production build (packages/app/dist) through
 * @backstage/plugin-app-backend at its root. `ciliumYaml` (keys indented by two
 * spaces) is appended under `cilium:`; `nodeFlags` go to the backend's node. Resolves with a development
 * sign-in token for `user` once the catalog has loaded.
 */
async function startBackend({
  port,
  relayPort,
  user,
  ciliumYaml = '',
  nodeFlags = [],
}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-backend-'));
  tempPaths.push(tmp);
  const config = path.join(tmp, 'app-config.bench.yaml');
  const url = `http://localhost:${port}`;
  fs.writeFileSync(
    config,
    `app:
  baseUrl: ${url}
backend:
  baseUrl: ${url}
  listen: { port: ${port} }
  cors: { origin: ${url} }
  database: { client: better-sqlite3, connection: ':memory:' }
cilium:
  clusters:
    - name: dev
      hubble: { address: 127.0.0.1:${relayPort} }
      policies: { type: directory, path: ${path.join(
        ROOT,
        'examples/gitops/policies',
      )} }
      workloads: { type: manifests, path: ${path.join(
        ROOT,
        'examples/cluster',
      )} }
  requests:
    publisher: { type: local-git, path: ${path.join(
      tmp,
      'gitops.git',
    )}, seedFrom: ${path.join(ROOT, 'examples/gitops')} }
${ciliumYaml}`,
  );
  const backend = start(
    process.execPath,
    [
      ...nodeFlags,
      '-r',
      require.resolve('sucrase/register/ts'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      config,
    ],
    {
      cwd: path.join(ROOT, 'packages/backend'),
      // The development sign-in needs a development backend; the app it
      // serves is the production build either way.
      env: { ...process.env, NODE_ENV: 'development' },
    },
  );
  await waitFor(
    async () => (await get(port, '/api/cilium/health')).status === 200,
    180000,
    'the backend',
  );
  const token = await waitFor(
    async () => {
      const res = await get(port, '/api/auth/dev/refresh', {
        'x-dev-user': user,
      });
      return res.status === 200
        ? JSON.parse(res.body).backstageIdentity.token
        : undefined;
    },
    120000,
    'a sign-in token (catalog loaded)',
  );
  return { backend, token, url };
}

/**
 * Runs a benchmark's `main`: exit 0 when it resolves; on an error, prints it
 * and the children's last lines and exits 1. Children are killed either way.
 */
function runBenchmark(main) {
  main()
    .then(() => {
      cleanup();
      process.exit(0);
    })
    .catch(e => {
      console.error(e);
      console.error(childLogs());
      cleanup();
      process.exit(1);
    });
}

module.exports = {
  ROOT,
  assertPortsFree,
  childLogs,
  cleanup,
  get,
  listenerPid,
  runBenchmark,
  startBackend,
  startRelaySim,
  waitFor,
};
