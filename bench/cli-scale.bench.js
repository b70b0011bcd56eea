/* cilium-connect at the size of a large platform (issue 15): the platform world
 * of bench/lib/platformWorld.js at 1x (2,001 workloads / 3,000 policies) and
 * 10x (20,001 / 30,000), written as YAML into a temporary folder and listed by
 * the CLI in a child process (`node --max-old-space-size=1536
 * packages/policy-engine/bin/cilium-connect list --dir D -o F`).
 * Figures per run: wall time, peak RSS (GNU time's maximum resident set size,
 * else /proc/<pid>/status VmHWM polled), output size, edges. A run that does
 * not finish within BENCH_CLI_TIMEOUT_S (default 120) is killed and recorded
 * as timed out. A second child times the phases in one process (YAML load,
 * engine build, graph, formatting) so a slow run shows where the time goes.
 *
 * Environment: BENCH_CLI_SCALES (default "1,10"), BENCH_CLI_TIMEOUT_S
 * (default 120), BENCH_CLI_FORMATS_1X (default "txt,json,md,csv,dot"),
 * BENCH_CLI_FORMATS (other scales, default "txt,json"), BENCH_CLI_HEAP_MB
 * (default 1536), BENCH_CLI_JSON_WORLD (default 1: also list the same world
 * written as JSON `kind: List` files, and time its load; 0 skips it).
 */
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { writePlatformWorld } = require('./lib/platformWorld');

const root = path.resolve(__dirname, '..');
const pkg = path.join(root, 'packages/policy-engine');
const bin = path.join(pkg, 'bin/cilium-connect');
const scales = (process.env.BENCH_CLI_SCALES ?? '1,10')
  .split(',')
  .map(Number)
  .filter(x => x > 0);
const timeoutS = Number(process.env.BENCH_CLI_TIMEOUT_S ?? 120);
const heapMb = Number(process.env.BENCH_CLI_HEAP_MB ?? 1536);
const formats1x = (
  process.env.BENCH_CLI_FORMATS_1X ?? 'txt,json,md,csv,dot'
).split(',');
const formatsNx = (process.env.BENCH_CLI_FORMATS ?? 'txt,json').split(',');
const jsonWorld = process.env.BENCH_CLI_JSON_WORLD !== '0';
const GNU_TIME = '/usr/bin/time';
const hasGnuTime =
  fs.existsSync(GNU_TIME) &&
  require('child_process').spawnSync(GNU_TIME, ['-f', '%M', 'true']).status ===
    0;
const JSON_CHECK_LIMIT = 256 * 1024 * 1024; // parse the JSON output below this size

const figures = [];
const report = (name, value, unit, goal = '') => {
  const f = { name: `cli-scale: ${name}`, value, unit, goal };
  figures.push(f);
  console.log(`BENCH_RESULT ${JSON.stringify(f)}`);
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const label = s => `${s}x (${2000 * s + 1} workloads / ${3000 * s} policies)`;

/** VmHWM of a running process in KiB, or 0. */
function vmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(
      fs.readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs `node <nodeArgs>` in its own process group; resolves with wall time,
 * peak RSS, exit status, whether it timed out, stderr, and what `onStdout`
 * made of the output.
 */
function runChild(nodeArgs, onStdout) {
  return new Promise(resolve => {
    const rssFile = path.join(os.tmpdir(), `cli-scale-rss-${process.pid}`);
    const cmd = hasGnuTime ? GNU_TIME : process.execPath;
    const args = hasGnuTime
      ? ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...nodeArgs]
      : nodeArgs;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: root,
      detached: true, // own process group: a timeout kills node, not only time(1)
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let peakKb = 0;
    let timedOut = false;
    child.stdout.on('data', onStdout);
    child.stderr.on('data', d => {
      if (stderr.length < 20000) stderr += d;
    });
    // Polled as well, so a run killed at the timeout still has a figure:
    // the node process is the child itself, or time(1)'s child.
    const poll = setInterval(() => {
      let pid = child.pid;
      if (hasGnuTime) {
        try {
          pid = Number(
            fs
              .readFileSync(
                `/proc/${child.pid}/task/${child.pid}/children`,
                'utf8',
              )
              .trim()
              .split(' ')[0],
          );
        } catch {
          return;
        }
      }
      if (pid) peakKb = Math.max(peakKb, vmHwm(pid));
    }, 50);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearInterval(poll);
      clearTimeout(timer);
      let cpuS;
      if (hasGnuTime && fs.existsSync(rssFile)) {
        const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
        const [kb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
        if (!timedOut && Number.isFinite(kb)) peakKb = kb;
        if (!timedOut && Number.isFinite(user + sys)) cpuS = user + sys;
        fs.unlinkSync(rssFile);
      }
      resolve({
        ms,
        cpuS,
        peakMb: peakKb / 1024,
        code,
        signal,
        timedOut,
        stderr,
        loadAvg: os.loadavg()[0],
      });
    });
  });
}

/** `cilium-connect list -o <format>` of the world in `dir`. */
async function list(dir, format) {
  let bytes = 0;
  let newlines = 0;
  let elements = 0; // top-level JSON array elements: "\n  {\n" starts one
  let tail = '';
  const keep = [];
  const r = await runChild(
    [`--max-old-space-size=${heapMb}`, bin, 'list', '--dir', dir, '-o', format],
    chunk => {
      bytes += chunk.length;
      const s = chunk.toString('latin1'); // byte-exact counting of ASCII markers
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1))
        newlines++;
      if (format === 'json') {
        const t = tail + s;
        for (
          let i = t.indexOf('\n  {\n');
          i >= 0;
          i = t.indexOf('\n  {\n', i + 1)
        )
          elements++;
        tail = t.slice(-4);
        if (bytes <= JSON_CHECK_LIMIT) keep.push(chunk);
        else keep.length = 0;
      }
    },
  );
  const out = { ...r, bytes, newlines };
  if (format === 'json') {
    // every element, the first one too ("[\n  {\n"), starts on a line of its own
    out.edges = elements;
    if (!r.timedOut && r.code === 0 && bytes <= JSON_CHECK_LIMIT) {
      try {
        out.edges = JSON.parse(Buffer.concat(keep).toString('utf8')).length;
        out.jsonValid = true;
      } catch (e) {
        out.jsonValid = false;
        out.jsonError = e.message;
      }
    }
  } else if (format === 'txt') out.edges = newlines;
  else if (format === 'csv' || format === 'md')
    out.edges = newlines - (format === 'csv' ? 1 : 2);
  return out;
}

/** Times each phase in one process; phases that finished before a timeout are kept. */
async function phases(dir, loadOnly = false) {
  // The load is the CLI's (loadDirectoryAsync: worker threads when the files
  // add up to 1 MiB or more). Then the txt path (graph without provenance),
  // and, with that graph released, the json path (graph with provenance, JSON
  // text of every edge counted, not kept).
  const script = `
    const P = ${JSON.stringify(path.join(pkg, 'src'))};
    const { PolicyEngine } = require(P + '/evaluate/engine');
    const { loadDirectoryAsync } = require(P + '/load/load-directory');
    const { formatConnlistChunks } = require(P + '/output/connlist');
    const t = () => Number(process.hrtime.bigint()) / 1e6;
    const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e3; };
    const say = (phase, t0, c0, extra) => console.log(JSON.stringify({ phase, ms: t() - t0, cpuMs: cpu() - c0, heapMb: process.memoryUsage().heapUsed / 1048576, ...extra }));
    (async () => {
      let t0 = t(), c0 = cpu();
      const inv = await loadDirectoryAsync([${JSON.stringify(dir)}]);
      say('load', t0, c0, { diagnostics: inv.diagnostics.length, workloads: inv.workloads.length, policies: inv.policies.length });
      if (${loadOnly}) return;
      t0 = t(); c0 = cpu(); const engine = new PolicyEngine(inv); say('build', t0, c0);
      t0 = t(); c0 = cpu(); let g = engine.graph({ detail: false }); say('graph', t0, c0, { edges: g.edges.length });
      t0 = t(); c0 = cpu(); let n = 0; for (const c of formatConnlistChunks(g.edges, 'txt')) n += c.length; say('format-txt', t0, c0, { chars: n });
      g = undefined;
      t0 = t(); c0 = cpu(); g = engine.graph({ detail: true }); say('graph-detail', t0, c0, { edges: g.edges.length });
      t0 = t(); c0 = cpu(); n = 0; for (const c of formatConnlistChunks(g.edges, 'json')) n += c.length; say('format-json', t0, c0, { chars: n });
    })().catch(e => { console.error(e); process.exitCode = 1; });
  `;
  let text = '';
  const r = await runChild(
    [
      `--max-old-space-size=${heapMb}`,
      '-r',
      require.resolve('sucrase/register/ts', { paths: [pkg] }),
      '-e',
      script,
    ],
    d => (text += d),
  );
  const done = text
    .split('\n')
    .filter(Boolean)
    .map(l => JSON.parse(l));
  return { ...r, done };
}

/** Prints and reports one `list` run. */
function reportList(r, fmt, s, prefix) {
  const ok = !r.timedOut && r.code === 0;
  const goalTime = s >= 10 && !prefix ? '<= 30' : '';
  const goalRss = s >= 10 && !prefix ? '<= 1536' : '';
  const name = `${prefix}list -o ${fmt}`;
  console.log(
    `${name} ${label(s)}: ${
      r.timedOut
        ? `TIMED OUT after ${timeoutS} s`
        : `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}`
    }, ${round(r.ms / 1000)} s${
      r.cpuS !== undefined ? ` (CPU ${round(r.cpuS)} s)` : ''
    }, peak RSS ${round(r.peakMb)} MB, ${r.bytes} bytes${
      r.edges !== undefined ? `, ${r.edges} edges` : ''
    }${
      r.jsonValid !== undefined ? `, JSON valid: ${r.jsonValid}` : ''
    }, load average ${round(r.loadAvg, 1)}`,
  );
  if (r.stderr.trim())
    console.log(
      `  stderr: ${r.stderr.trim().split('\n').slice(0, 5).join('\n  ')}`,
    );
  let unit = 's';
  if (r.timedOut) unit = 's (timed out: killed, no result)';
  else if (!ok) unit = `s (failed: exit ${r.code})`;
  report(`${name} wall time, ${label(s)}`, round(r.ms / 1000), unit, goalTime);
  report(
    `${name} peak RSS, ${label(s)}`,
    round(r.peakMb),
    r.timedOut ? 'MB (at the timeout)' : 'MB',
    goalRss,
  );
  if (ok && r.cpuS !== undefined)
    report(
      `${name} CPU time (user + system, all threads), ${label(s)}`,
      round(r.cpuS),
      's',
    );
  if (ok && r.edges !== undefined)
    report(`${name} edges, ${label(s)}`, r.edges, 'edges');
  if (ok)
    report(`${name} output, ${label(s)}`, round(r.bytes / 1048576), 'MiB');
  if (r.jsonValid === false) {
    console.error(`invalid JSON output: ${r.jsonError}`);
    process.exitCode = 1;
  }
}

/** Prints and reports the phases of one {@link phases} run. */
function reportPhases(p, s, prefix) {
  for (const d of p.done) {
    console.log(
      `${prefix}phase ${d.phase} ${label(s)}: ${round(
        d.ms / 1000,
      )} s (CPU ${round(d.cpuMs / 1000)} s), heap ${round(d.heapMb)} MB${
        d.edges !== undefined ? `, ${d.edges} edges` : ''
      }${
        d.diagnostics !== undefined
          ? `, ${d.diagnostics} diagnostics, ${d.workloads} workloads, ${d.policies} policies`
          : ''
      }`,
    );
    report(`${prefix}phase ${d.phase}, ${label(s)}`, round(d.ms / 1000), 's');
    report(
      `${prefix}phase ${d.phase} CPU time (all threads), ${label(s)}`,
      round(d.cpuMs / 1000),
      's',
    );
    if (d.diagnostics) {
      console.error(`the generated world has ${d.diagnostics} diagnostics`);
      process.exitCode = 1;
    }
  }
  if (p.timedOut)
    console.log(
      `${prefix}phases ${label(s)}: TIMED OUT after ${timeoutS} s (finished: ${
        p.done.map(d => d.phase).join(', ') || 'none'
      })`,
    );
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-scale-'));
  console.log(
    `timeout ${timeoutS} s per run, --max-old-space-size=${heapMb}, peak RSS from ${
      hasGnuTime ? 'GNU time' : '/proc VmHWM polling'
    }, load average ${os
      .loadavg()
      .map(x => x.toFixed(1))
      .join(' ')}`,
  );
  try {
    // fixed cost of every run: node start, the in-repo TypeScript transform
    const help = await runChild([bin, '--help'], () => undefined);
    console.log(
      `cilium-connect --help: ${round(help.ms / 1000)} s, peak RSS ${round(
        help.peakMb,
      )} MB`,
    );
    report(
      'startup (cilium-connect --help) wall time',
      round(help.ms / 1000),
      's',
    );
    for (const s of scales) {
      const dir = path.join(tmp, `world-${s}x`);
      const t0 = Date.now();
      const w = writePlatformWorld(dir, { scale: s });
      console.log(
        `${label(s)}: ${w.files} files, ${round(
          w.bytes / 1048576,
        )} MiB YAML, generated in ${Date.now() - t0} ms`,
      );
      report(`platform world ${s}x YAML size`, round(w.bytes / 1048576), 'MiB');
      for (const fmt of s === 1 ? formats1x : formatsNx)
        reportList(await list(dir, fmt), fmt, s, '');
      reportPhases(await phases(dir), s, '');
      fs.rmSync(dir, { recursive: true, force: true });
      if (jsonWorld) {
        // The same world as `kubectl get -o json` writes it: one List per file.
        const jdir = path.join(tmp, `world-${s}x-json`);
        const j = writePlatformWorld(jdir, { scale: s, format: 'json' });
        console.log(
          `${label(s)} as JSON: ${j.files} files, ${round(
            j.bytes / 1048576,
          )} MiB`,
        );
        report(
          `platform world ${s}x JSON size`,
          round(j.bytes / 1048576),
          'MiB',
        );
        reportList(await list(jdir, 'txt'), 'txt', s, 'JSON manifests: ');
        reportPhases(await phases(jdir, true), s, 'JSON manifests: ');
        fs.rmSync(jdir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
