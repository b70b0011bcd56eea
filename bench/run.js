#!/usr/bin/env node
/* Runs every bench/*.bench.{js,cjs,mjs,ts} in turn and merges their figures into bench/results.json.
 *
 * Protocol (either works): a bench prints lines `BENCH_RESULT {"name","value","unit","goal"}` on
 * stdout, and/or writes a JSON array of such objects to the file named by the environment
 * variable BENCH_RESULTS_FILE. TypeScript bench files are run through sucrase.
 * Figures with the same name replace older ones in results.json; others are kept.
 * Usage: node bench/run.js [name-filter...]
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = __dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter(f => /\.bench\.(js|cjs|mjs|ts)$/.test(f))
  .filter(f => !only.length || only.some(o => f.includes(o)))
  .sort();
const resultsPath = path.join(dir, 'results.json');
let results = [];
try {
  results = JSON.parse(fs.readFileSync(resultsPath, 'utf8'));
  if (!Array.isArray(results)) results = [];
} catch {
  results = [];
}
let failed = 0;
for (const f of files) {
  const tmp = path.join(os.tmpdir(), `bench-${process.pid}-${f}.json`);
  const args = f.endsWith('.ts')
    ? ['-r', require.resolve('sucrase/register/ts'), path.join(dir, f)]
    : [path.join(dir, f)];
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, BENCH_RESULTS_FILE: tmp },
  });
  process.stdout.write(r.stdout ?? '');
  const figures = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^BENCH_RESULT (.*)$/.exec(line.trim());
    if (m) {
      try {
        figures.push(JSON.parse(m[1]));
      } catch (e) {
        console.error(`${f}: bad BENCH_RESULT line: ${line}`);
      }
    }
  }
  if (fs.existsSync(tmp)) {
    try {
      figures.push(...JSON.parse(fs.readFileSync(tmp, 'utf8')));
    } catch (e) {
      console.error(`${f}: bad ${tmp}: ${e.message}`);
    }
    fs.unlinkSync(tmp);
  }
  if (r.status !== 0) {
    console.error(`${f} failed with exit code ${r.status}`);
    failed++;
  }
  if (!figures.length) {
    console.error(`${f} reported no figures`);
    failed++;
  }
  for (const fig of figures) {
    results = results.filter(x => x.name !== fig.name);
    results.push({
      name: fig.name,
      value: fig.value,
      unit: fig.unit,
      goal: fig.goal,
    });
  }
}
fs.writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${resultsPath} (${results.length} figures)`);
process.exitCode = failed ? 1 : 0;
