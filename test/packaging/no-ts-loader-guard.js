/*
 * Preloaded (`node -r`) into the installed CLIs by cli-installed.sh. When the
 * process ends (normally or on SIGTERM) it checks that it ran compiled
 * JavaScript only: no TypeScript extension hook (require.extensions['.ts']),
 * no .ts module loaded, no transpiler/register package loaded (sucrase, swc,
 * ts-node, esbuild-register, tsx, @backstage/cli's node transform), and every
 * module loaded from the temporary project (none from this workspace). The
 * verdict goes to $GUARD_OUT as one JSON line.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const projectDir = fs.realpathSync(process.env.GUARD_PROJECT);
const outFile = process.env.GUARD_OUT;
const LOADER =
  /[\\/]node_modules[\\/](sucrase|@swc[\\/](register|core)|ts-node|esbuild-register|tsx|@esbuild-kit|@backstage[\\/]cli)[\\/]/;
let reported = false;

function check() {
  if (reported) return;
  reported = true;
  const problems = [];
  for (const ext of ['.ts', '.tsx', '.mts', '.cts']) {
    if (require.extensions[ext])
      problems.push(`a ${ext} require hook is registered`);
  }
  const modules = Object.keys(require.cache);
  for (const file of modules) {
    if (file === __filename) continue;
    if (/\.(ts|tsx|mts|cts)$/.test(file))
      problems.push(`TypeScript module loaded: ${file}`);
    if (LOADER.test(file)) problems.push(`loader package loaded: ${file}`);
    if (!file.startsWith(projectDir + path.sep))
      problems.push(`module from outside the project: ${file}`);
  }
  fs.appendFileSync(
    outFile,
    `${JSON.stringify({
      argv: process.argv.slice(1, 3),
      modules: modules.length,
      problems,
    })}\n`,
  );
}

process.on('exit', check);
// The relay stand-in is stopped with SIGTERM: report before its own handler exits.
process.prependListener('SIGTERM', check);
