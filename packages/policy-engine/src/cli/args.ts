/** Minimal argument parser for the CLI (no dependency). */

/** Parsed arguments. */
export interface ParsedArgs {
  command?: string;
  options: Record<string, string[]>;
  flags: Set<string>;
  positional: string[];
}

/** Options that take a value, with their aliases. */
const VALUE_OPTS: Record<string, string> = {
  '--dir': 'dir',
  '--dirpath': 'dir',
  '--dir1': 'dir1',
  '--dir2': 'dir2',
  '-o': 'output',
  '--output': 'output',
  '--focus': 'focus',
  '--focusworkload': 'focus',
  '--focus-direction': 'focus-direction',
  '-s': 'src',
  '--source': 'src',
  '-d': 'dst',
  '--destination': 'dst',
  '-p': 'port',
  '--port': 'port',
  '--cluster': 'cluster',
};
const FLAG_OPTS: Record<string, string> = {
  '-h': 'help',
  '--help': 'help',
  '-q': 'quiet',
  '--quiet': 'quiet',
};

/** Error for bad usage (exit code 2). */
export class UsageError extends Error {}

/** Parses argv (without node and script). */
export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { options: {}, flags: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (VALUE_OPTS[a]) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      (out.options[VALUE_OPTS[a]] = out.options[VALUE_OPTS[a]] ?? []).push(v);
    } else if (FLAG_OPTS[a]) out.flags.add(FLAG_OPTS[a]);
    else if (a.startsWith('-') && a !== '-')
      throw new UsageError(`unknown option ${a}`);
    else if (!out.command) out.command = a;
    else out.positional.push(a);
  }
  return out;
}

/** One value of an option (last wins). */
export function opt(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return v?.[v.length - 1];
}
