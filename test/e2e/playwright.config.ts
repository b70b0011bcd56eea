import { defineConfig } from '@playwright/test';
import path from 'path';

const root = path.resolve(__dirname, '../..');
const CI = Boolean(process.env.CI);
const gitops = path.join(root, 'node_modules/.cache/e2e-gitops.git');

/**
 * End-to-end: the real backend, app and Hubble Relay stand-in, driven in
 * Debian's Chromium (no browser download). Run with `npm run test:e2e`.
 */
export default defineConfig({
  testDir: __dirname,
  outputDir: path.join(root, 'node_modules/.cache/e2e-test-results'),
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: CI ? 1 : 0,
  workers: 1,
  reporter: [
    ['list'],
    [
      'json',
      { outputFile: path.join(root, 'node_modules/.cache/e2e-report.json') },
    ],
  ],
  use: {
    baseURL: 'http://localhost:3000',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  webServer: [
    {
      // Faster than the demo's 50 flows/s, so storefront's buffer fills up
      // (10,000 flows) for the test that opens the Network tab with a full
      // buffer. Render times are not checked here (a timed test fails on a
      // busy machine): bench/network-tab-render.bench.js measures them
      // against a production build (`npm run bench`).
      // It follows the GitOps repository the backend creates (and waits for it).
      command: `node packages/hubble-relay-sim/bin/hubble-relay-sim --cluster examples/cluster --policies-git ${JSON.stringify(
        gitops,
      )} --catalog examples/catalog --cluster-name dev --rate 1500 --quiet`,
      cwd: root,
      port: 4245,
      reuseExistingServer: !CI,
      timeout: 120_000,
    },
    {
      // The prod cluster's stand-in: its own workloads, its policies from
      // clusters/prod/policies of the same repository, its own seed.
      command: `node packages/hubble-relay-sim/bin/hubble-relay-sim --cluster examples/cluster-prod --policies-git ${JSON.stringify(
        gitops,
      )} --git-path clusters/prod/policies --catalog examples/catalog --cluster-name prod --default-cluster dev --seed prod --port 4246 --rate 50 --quiet`,
      cwd: root,
      port: 4246,
      reuseExistingServer: !CI,
      timeout: 120_000,
    },
    {
      // A fresh local GitOps repository and database each run (test/e2e/app-config.e2e.yaml).
      command: `rm -rf ${JSON.stringify(
        gitops,
      )} && npm run start --workspace=backend -- --config ../../app-config.yaml --config ../../test/e2e/app-config.e2e.yaml`,
      cwd: root,
      url: 'http://localhost:7007/api/cilium/health',
      reuseExistingServer: !CI,
      timeout: 180_000,
    },
    {
      command: 'npm run start:app',
      cwd: root,
      url: 'http://localhost:3000',
      reuseExistingServer: !CI,
      timeout: 180_000,
    },
  ],
});
