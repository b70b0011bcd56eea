#!/usr/bin/env node
/*
 * Packs every publishable package of this workspace (every workspace package
 * that is not private) into one folder, as `npm publish` would upload it:
 * `npm pack` runs each package's prepack/postpack (backstage-cli package
 * prepack), so package.json points at dist/ and config.d.ts becomes
 * config.schema.json.
 *
 *   node scripts/pack-all.js <outdir> [--skip-build] [package-name...]
 *
 * With package names, packs only those (e.g. the CLIs and what they need).
 * Builds first (`npm run build`: tsc to dist-types, then backstage-cli repo
 * build) unless --skip-build is given. Prints one tarball path per line on
 * stdout (progress goes to stderr) and writes <outdir>/packages.json:
 * [{ name, version, dir, tarball }].
 */
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node scripts/pack-all.js <outdir> [--skip-build] [package-name...]\n`,
  );
  process.exit(2);
}

function publishablePackages() {
  const rootPkg = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  );
  const result = [];
  for (const pattern of rootPkg.workspaces) {
    // Our workspace patterns are "<folder>/*".
    const parent = path.join(root, pattern.replace(/\/\*$/, ''));
    for (const entry of fs.readdirSync(parent).sort()) {
      const file = path.join(parent, entry, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.private) continue;
      result.push({
        name: pkg.name,
        version: pkg.version,
        dir: path.dirname(file),
      });
    }
  }
  return result;
}

function main(argv) {
  const args = argv.filter(a => !a.startsWith('--'));
  const flags = argv.filter(a => a.startsWith('--'));
  for (const f of flags) {
    if (f !== '--skip-build') usage(`unknown option ${f}`);
  }
  if (args.length < 1) usage('give an output folder');
  const outDir = path.resolve(args[0]);
  const wanted = args.slice(1);
  const all = publishablePackages();
  for (const name of wanted) {
    if (!all.some(p => p.name === name)) {
      usage(`${name} is not a publishable package of this workspace`);
    }
  }
  const selected = wanted.length
    ? all.filter(p => wanted.includes(p.name))
    : all;
  fs.mkdirSync(outDir, { recursive: true });

  const run = (cmd, cmdArgs, cwd) =>
    execFileSync(cmd, cmdArgs, {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });

  if (!flags.includes('--skip-build')) {
    process.stderr.write('pack-all: npm run build\n');
    execFileSync('npm', ['run', 'build'], {
      cwd: root,
      stdio: ['ignore', process.stderr, 'inherit'],
    });
  }

  const packed = [];
  for (const pkg of selected) {
    if (!fs.existsSync(path.join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.name} has no dist/: run npm run build first`);
    }
    process.stderr.write(`pack-all: npm pack ${pkg.name}\n`);
    const out = run(
      'npm',
      ['pack', '--json', '--pack-destination', outDir],
      pkg.dir,
    );
    // npm prints the lifecycle scripts' output before the JSON array.
    const json = JSON.parse(out.slice(out.indexOf('[\n')));
    const tarball = path.join(outDir, json[0].filename);
    packed.push({ ...pkg, dir: path.relative(root, pkg.dir), tarball });
  }
  fs.writeFileSync(
    path.join(outDir, 'packages.json'),
    `${JSON.stringify(packed, null, 2)}\n`,
  );
  for (const p of packed) process.stdout.write(`${p.tarball}\n`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`pack-all: ${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
}
