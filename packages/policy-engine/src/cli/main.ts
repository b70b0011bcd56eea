import * as fs from 'fs';
import { diffEngines } from '../evaluate/diff';
import { PolicyEngine } from '../evaluate/engine';
import type { Edge } from '../evaluate/types';
import { lint } from '../lint/lint';
import { loadDirectoryAsync } from '../load/load-directory';
import type { Protocol } from '../model/connset';
import type { Inventory } from '../model/inventory';
import { formatPolicyRef, formatRuleRef } from '../model/policy';
import { formatConnlistChunks, ListFormat } from '../output/connlist';
import { formatCoverageChunks } from '../output/coverage';
import { DiffFormat, formatDiffChunks } from '../output/diff';
import { formatLintChunks } from '../output/lint';
import { opt, parseArgs, ParsedArgs, UsageError } from './args';
import { CliWrite, OutputError, streamWriter, writeChunks } from './write';

export { streamWriter };
export type { CliWrite };

/** Error for unreadable input (exit code 2). */
class InputError extends Error {}

/**
 * Where the CLI writes. Output comes in pieces (about 64 Ki characters at most,
 * unless one line or JSON element is longer); when a write returns a promise
 * the CLI waits for it before writing more. {@link streamWriter} makes such a
 * function for a Node.js stream.
 *
 * @public
 */
export interface CliIo {
  /** Standard output: the command's result. */
  stdout: CliWrite;
  /** Standard error: input diagnostics and errors. */
  stderr: CliWrite;
}

const USAGE = `cilium-connect — who may talk to whom under Cilium / Kubernetes network policies

Usage:
  cilium-connect list     --dir D [-o txt|json|md|csv|dot] [--focus WORKLOAD] [--focus-direction ingress|egress]
  cilium-connect eval     --dir D -s SRC -d DST -p PORT[/PROTO] [-o txt|json]
  cilium-connect diff     --dir1 A --dir2 B [-o txt|csv|md|json]
  cilium-connect coverage --dir D [-o txt|json]
  cilium-connect lint     --dir D [-o txt|json]

Peers: ns/name[Kind], ns/name or a unique name; an IP address; an entity
(host, remote-node, kube-apiserver, world, ...); a DNS name (FQDN).

Exit codes: 0 clean (allowed, no difference, no finding), 1 findings (denied,
differences, unprotected workloads, lint findings), 2 usage or input error.
`;

async function load(
  paths: string[],
  io: CliIo,
  opts: { strict: boolean },
): Promise<Inventory> {
  for (const d of paths)
    if (!fs.existsSync(d)) throw new UsageError(`no such directory: ${d}`);
  let inv: Inventory;
  try {
    inv = await loadDirectoryAsync(paths);
  } catch (e) {
    // a file that cannot be read (dangling link, no permission): name it
    if (typeof (e as NodeJS.ErrnoException).code === 'string')
      throw new InputError(`cannot read the input: ${(e as Error).message}`);
    throw e;
  }
  for (const d of inv.diagnostics) {
    const where = d.file
      ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: `
      : '';
    await io.stderr(
      `${where}${d.severity}: ${d.message}${
        d.object ? ` (${d.object})` : ''
      }\n`,
    );
  }
  if (
    opts.strict &&
    inv.diagnostics.some(
      d =>
        (d.code === 'yaml' && d.severity === 'error') || d.code === 'template',
    )
  ) {
    throw new InputError('some documents could not be read');
  }
  return inv;
}

function dirs(args: ParsedArgs, name = 'dir'): string[] {
  const d = args.options[name] ?? (name === 'dir' ? args.positional : []);
  if (!d.length) throw new UsageError(`--${name} is required`);
  return d;
}

function format<T extends string>(
  args: ParsedArgs,
  allowed: readonly T[],
  def: T,
): T {
  const f = (opt(args, 'output') ?? def) as T;
  if (!allowed.includes(f))
    throw new UsageError(
      `unsupported output format "${f}" (one of ${allowed.join(', ')})`,
    );
  return f;
}

async function cmdList(args: ParsedArgs, io: CliIo): Promise<number> {
  const fmt = format<ListFormat>(
    args,
    ['txt', 'json', 'md', 'csv', 'dot'],
    'txt',
  );
  const engine = new PolicyEngine(
    await load(dirs(args), io, { strict: false }),
    { clusterName: opt(args, 'cluster') },
  );
  const focus = opt(args, 'focus');
  let edges: Iterable<Edge>;
  if (focus) {
    const view = engine.workloadView(focus);
    if (!view) throw new UsageError(`unknown or ambiguous workload "${focus}"`);
    const dir = opt(args, 'focus-direction');
    if (dir && dir !== 'ingress' && dir !== 'egress')
      throw new UsageError('--focus-direction must be ingress or egress');
    edges = concat(
      dir !== 'egress' ? view.ingress.edges : [],
      dir !== 'ingress' ? view.egress.edges : [],
    );
  } else {
    // Only json prints provenance; the other formats need src, dst and conn.
    edges = engine.graph({ detail: fmt === 'json' }).edges;
  }
  await writeChunks(io.stdout, formatConnlistChunks(edges, fmt));
  return 0;
}

function* concat<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const p of parts) yield* p;
}

function parsePort(s: string | undefined): {
  port: number;
  protocol: Protocol;
} {
  if (!s) throw new UsageError('-p PORT[/PROTO] is required');
  const m = /^(\d+)(?:\/(tcp|udp|sctp|icmp|icmpv6))?$/i.exec(s.trim());
  if (!m) throw new UsageError(`bad port "${s}" (e.g. 8080 or 53/UDP)`);
  const port = Number(m[1]);
  const up = (m[2] ?? 'TCP').toUpperCase();
  const protocol = (up === 'ICMPV6' ? 'ICMPv6' : up) as Protocol;
  if (
    protocol === 'ICMP' || protocol === 'ICMPv6'
      ? port > 255
      : port < 1 || port > 65535
  )
    throw new UsageError(`port ${port} out of range`);
  return { port, protocol };
}

async function cmdEval(args: ParsedArgs, io: CliIo): Promise<number> {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const src = opt(args, 'src');
  const dst = opt(args, 'dst');
  if (!src || !dst) throw new UsageError('-s SRC and -d DST are required');
  const { port, protocol } = parsePort(opt(args, 'port'));
  const engine = new PolicyEngine(
    await load(dirs(args), io, { strict: false }),
    { clusterName: opt(args, 'cluster') },
  );
  let v;
  try {
    v = engine.evaluate(src, dst, port, protocol);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (fmt === 'json') {
    await io.stdout(
      `${JSON.stringify({ src, dst, port, protocol, ...v }, null, 2)}\n`,
    );
    return v.allowed ? 0 : 1;
  }
  const lines = [
    `${
      v.allowed ? 'ALLOWED' : 'DENIED'
    }: ${src} => ${dst} : ${protocol} ${port}${
      v.droppedAt ? ` (dropped at ${v.droppedAt}: ${v.reason})` : ''
    }`,
  ];
  for (const side of [v.egress, v.ingress]) {
    const who =
      side.direction === 'egress' ? `egress of ${src}` : `ingress of ${dst}`;
    if (!side.evaluated) {
      lines.push(
        `  ${who}: not policed (outside the cluster or a reserved entity)`,
      );
      continue;
    }
    const state = side.isolated
      ? `default deny (${side.isolatedBy.map(formatPolicyRef).join(', ')})`
      : 'not isolated (default allow)';
    lines.push(`  ${who}: ${side.allowed ? 'allowed' : 'denied'}; ${state}`);
    if (side.defaultAllow === 'allow-localhost')
      lines.push(
        '    allowed by allow-localhost (the local host may always reach local pods)',
      );
    for (const r of side.allowedBy)
      lines.push(`    allowed by ${formatRuleRef(r)}`);
    for (const r of side.deniedBy)
      lines.push(`    denied by ${formatRuleRef(r)}`);
    for (const l of side.l7)
      lines.push(
        `    L7 ${JSON.stringify(l.rules)} from ${formatRuleRef(l.rule)}`,
      );
    if (!side.allowed && !side.deniedBy.length)
      lines.push('    no allow rule matches this peer and port');
  }
  await io.stdout(`${lines.join('\n')}\n`);
  return v.allowed ? 0 : 1;
}

async function cmdDiff(args: ParsedArgs, io: CliIo): Promise<number> {
  const fmt = format<DiffFormat>(args, ['txt', 'csv', 'md', 'json'], 'txt');
  const engines = [];
  for (const name of ['dir1', 'dir2'])
    engines.push(
      new PolicyEngine(await load(dirs(args, name), io, { strict: false }), {
        clusterName: opt(args, 'cluster'),
      }),
    );
  const entries = diffEngines(engines[0], engines[1]);
  await writeChunks(io.stdout, formatDiffChunks(entries, fmt));
  return entries.length ? 1 : 0;
}

async function cmdCoverage(args: ParsedArgs, io: CliIo): Promise<number> {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const engine = new PolicyEngine(
    await load(dirs(args), io, { strict: false }),
    { clusterName: opt(args, 'cluster') },
  );
  const cov = engine.coverage();
  await writeChunks(io.stdout, formatCoverageChunks(cov, fmt));
  return cov.some(c => !c.ingress.isolated || !c.egress.isolated) ? 1 : 0;
}

async function cmdLint(args: ParsedArgs, io: CliIo): Promise<number> {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const engine = new PolicyEngine(
    await load(
      dirs(args),
      { stdout: io.stdout, stderr: () => undefined },
      { strict: false },
    ),
    { clusterName: opt(args, 'cluster') },
  );
  const findings = lint(engine).filter(f => f.severity !== 'info');
  await writeChunks(io.stdout, formatLintChunks(findings, fmt));
  return findings.length ? 1 : 0;
}

/**
 * Runs the CLI and resolves to the exit code. Output is written in pieces
 * through `io`, waiting whenever a write asks to (see {@link CliIo}).
 *
 * @public
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.flags.has('help') || !args.command) {
      await (args.command || args.flags.has('help') ? io.stdout : io.stderr)(
        USAGE,
      );
      return args.flags.has('help') ? 0 : 2;
    }
    switch (args.command) {
      case 'list':
        return await cmdList(args, io);
      case 'eval':
        return await cmdEval(args, io);
      case 'diff':
        return await cmdDiff(args, io);
      case 'coverage':
        return await cmdCoverage(args, io);
      case 'lint':
        return await cmdLint(args, io);
      default:
        throw new UsageError(`unknown command "${args.command}"`);
    }
  } catch (e) {
    try {
      if (e instanceof UsageError || e instanceof InputError) {
        await io.stderr(
          `error: ${e.message}\n\n${e instanceof UsageError ? USAGE : ''}`,
        );
      } else if (e instanceof OutputError) {
        await io.stderr(`error: ${e.message}\n`);
      } else {
        await io.stderr(`error: ${(e as Error).stack ?? String(e)}\n`);
      }
    } catch {
      // standard error is gone too: the exit code is all that is left
    }
    return 2;
  }
}

/**
 * Entry point used by `bin/cilium-connect`: runs the CLI on the process's
 * arguments, streaming to `process.stdout` with back-pressure, and sets
 * `process.exitCode`.
 *
 * @public
 */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), {
    stdout: streamWriter(process.stdout),
    stderr: streamWriter(process.stderr),
  });
}
