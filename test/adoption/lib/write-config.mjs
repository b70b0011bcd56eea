// The test app's own configuration (docs/install.md, "Configuration" and
// "Catalog annotations"), in app-config.adoption.yaml next to the template's
// app-config.yaml: one cluster whose policies and workloads are this
// repository's examples/ folders, the sample catalog (annotated entities), the
// built app served by the backend on one loopback port, SQLite in memory, and
// the template's guest sign-in allowed outside `NODE_ENV=development` (the
// backend runs as built, as in production).
//
//   node write-config.mjs <app dir> <repository> <port>
import fs from 'node:fs';
import path from 'node:path';

const [appDir, repo, port] = process.argv.slice(2);
if (!appDir || !repo || !port) {
  console.error('usage: write-config.mjs <app dir> <repository> <port>');
  process.exit(2);
}

const examples = path.join(repo, 'examples');
for (const sub of ['gitops/policies', 'cluster', 'catalog/all.yaml']) {
  if (!fs.existsSync(path.join(examples, sub))) {
    throw new Error(`missing ${path.join(examples, sub)}`);
  }
}
const data = path.join(appDir, 'data');
fs.mkdirSync(data, { recursive: true });

// JSON is YAML: every string below is quoted and escaped.
const q = s => JSON.stringify(s);
const baseUrl = `http://localhost:${port}`;
const config = `# Written by test/adoption/lib/write-config.mjs for the adoption test.
app:
  baseUrl: ${q(baseUrl)}
backend:
  baseUrl: ${q(baseUrl)}
  listen:
    port: ${Number(port)}
    host: 127.0.0.1
  cors:
    origin: ${q(baseUrl)}
  database:
    client: better-sqlite3
    connection: ':memory:'
auth:
  providers:
    guest:
      dangerouslyAllowOutsideDevelopment: true
catalog:
  locations:
    - type: file
      target: ${q(path.join(examples, 'catalog/all.yaml'))}
      rules:
        - allow: [Component, System, API, Resource, Location, User, Group, Domain]
cilium:
  clusters:
    - name: dev
      policies:
        type: directory
        path: ${q(path.join(examples, 'gitops/policies'))}
      workloads:
        type: manifests
        path: ${q(path.join(examples, 'cluster'))}
  requests:
    reviewers: [group:default/platform-team]
    publisher:
      type: local-git
      path: ${q(path.join(data, 'gitops.git'))}
      seedFrom: ${q(path.join(examples, 'gitops'))}
`;
fs.writeFileSync(path.join(appDir, 'app-config.adoption.yaml'), config);
console.log(config);
