import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Inventory } from '../model/inventory';
import { InventoryBuilder } from '../parse/inventory';
import { ManifestFile, parseFilesInWorkers } from './parse-workers';

const EXT = /\.(ya?ml|json)$/i;

/**
 * Lists YAML/JSON files under a directory (recursive, sorted, dot-folders skipped).
 *
 * @public
 */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const ent of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (ent.name.startsWith('.')) continue;
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (EXT.test(ent.name)) out.push(p);
    }
  };
  const st = fs.statSync(dir);
  if (st.isFile()) return [dir];
  walk(dir);
  return out;
}

/** The files under `dirs`, named as diagnostics name them (relative to the working directory). */
function manifestFiles(dirs: string | string[]): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const dir of Array.isArray(dirs) ? dirs : [dirs])
    for (const f of listManifestFiles(dir))
      out.push({ path: f, name: path.relative(process.cwd(), f) || f });
  return out;
}

/**
 * Reads every YAML/JSON manifest under one or more directories (or files) into
 * an inventory. File paths in diagnostics are relative to the working
 * directory. This and the CLI are the only parts of the package that do I/O.
 * {@link loadDirectoryAsync} gives the same inventory, parsing on worker
 * threads.
 *
 * @public
 */
export function loadDirectory(dirs: string | string[]): Inventory {
  const b = new InventoryBuilder();
  for (const f of manifestFiles(dirs))
    b.addText(fs.readFileSync(f.path, 'utf8'), f.name);
  return b.build();
}

/**
 * Options of {@link loadDirectoryAsync}.
 *
 * @public
 */
export interface LoadDirectoryOptions {
  /**
   * How many worker threads parse files in parallel; 0 parses on the calling
   * thread. Default: one per CPU, at most 4 and at most one per file, when the
   * YAML files (`.json` files do not count) add up to 1 MiB or more; below
   * that, starting the threads costs more than it saves.
   */
  workers?: number;
}

/**
 * Below this many bytes of YAML, parse on the calling thread by default (1 MiB:
 * about half a second of YAML). `.json` files do not count: `JSON.parse` reads
 * them some 20 times faster than YAML, so threads would cost more than they
 * save.
 */
const PARALLEL_LOAD_MIN_BYTES = 1024 * 1024;

const MAX_DEFAULT_WORKERS = 4;

function defaultWorkers(files: ManifestFile[]): number {
  let bytes = 0;
  for (const f of files) {
    if (/\.json$/i.test(f.path)) continue;
    bytes += fs.statSync(f.path).size;
    if (bytes >= PARALLEL_LOAD_MIN_BYTES) break;
  }
  if (bytes < PARALLEL_LOAD_MIN_BYTES) return 0;
  const cpus =
    typeof os.availableParallelism === 'function'
      ? os.availableParallelism()
      : os.cpus().length;
  return Math.max(1, Math.min(cpus, MAX_DEFAULT_WORKERS, files.length));
}

/**
 * {@link loadDirectory} for large inputs: the same inventory (documents,
 * positions and diagnostics in the same order), with the files read and
 * parsed on worker threads while the calling thread builds the inventory
 * from the files already parsed. A file that cannot be read rejects the
 * promise, as {@link loadDirectory} throws.
 *
 * @public
 */
export async function loadDirectoryAsync(
  dirs: string | string[],
  options: LoadDirectoryOptions = {},
): Promise<Inventory> {
  const files = manifestFiles(dirs);
  const workers = options.workers ?? defaultWorkers(files);
  const b = new InventoryBuilder();
  if (workers > 0) {
    await parseFilesInWorkers(files, workers, parsed => b.addParsed(parsed));
  } else {
    for (const f of files) b.addText(fs.readFileSync(f.path, 'utf8'), f.name);
  }
  return b.build();
}
