// Step 1 of docs/install.md ("Add the packages") with the packed tarballs in
// place of the registry: the dependencies go into packages/app and
// packages/backend with the caret range `yarn add` would write, and the root
// package.json's `resolutions` point every @cilium-zero-trust package at its
// tarball, so the packages' dependencies on each other resolve to the
// tarballs too (nothing of ours is looked up in the registry).
//
//   node add-packages.mjs <app dir> <tarballs/packages.json>
import fs from 'node:fs';
import path from 'node:path';

const [appDir, manifest] = process.argv.slice(2);
if (!appDir || !manifest) {
  console.error('usage: add-packages.mjs <app dir> <packages.json>');
  process.exit(2);
}

// [{ name, version, dir, tarball }], written by scripts/pack-all.js
const packed = JSON.parse(fs.readFileSync(manifest, 'utf8'));
const byName = new Map(packed.map(p => [p.name, p]));

const wanted = {
  'packages/app': ['@cilium-zero-trust/plugin-cilium'],
  'packages/backend': [
    '@cilium-zero-trust/plugin-cilium-backend',
    '@cilium-zero-trust/plugin-scaffolder-backend-module-cilium',
  ],
};

function edit(file, fn) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  fn(json);
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

function sorted(obj) {
  return Object.fromEntries(
    Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)),
  );
}

for (const [workspace, names] of Object.entries(wanted)) {
  edit(path.join(appDir, workspace, 'package.json'), pkg => {
    for (const name of names) {
      const p = byName.get(name);
      if (!p) throw new Error(`${name} was not packed (see ${manifest})`);
      pkg.dependencies[name] = `^${p.version}`;
      console.log(`${workspace}: ${name}@^${p.version}`);
    }
    pkg.dependencies = sorted(pkg.dependencies);
  });
}

edit(path.join(appDir, 'package.json'), pkg => {
  pkg.resolutions = pkg.resolutions ?? {};
  for (const p of packed) {
    const tarball = path.resolve(path.dirname(manifest), p.tarball);
    if (!fs.existsSync(tarball)) throw new Error(`missing ${tarball}`);
    pkg.resolutions[p.name] = `file:${tarball}`;
    console.log(`resolution: ${p.name} -> ${tarball}`);
  }
});
