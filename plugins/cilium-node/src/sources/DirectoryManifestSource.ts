import { createHash } from 'crypto';
import fs from 'fs/promises';
import path from 'path';
import { toError } from '@backstage/errors';
import {
  ManifestFile,
  ManifestSnapshot,
  ManifestSource,
  SourceProblem,
} from './types';

const MANIFEST = /\.(ya?ml|json)$/i;

/** True when `target` is `root` or inside it (both already resolved). */
function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Collects manifest files under `dir`. Symbolic links are followed only to
 * files inside the source's root (never to folders, so there are no cycles);
 * a link that leads out of the root is listed in `refused`, not read.
 */
async function walk(
  root: string,
  dir: string,
  out: string[],
  refused: string[],
): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(root, full, out, refused);
    else if (!MANIFEST.test(e.name)) continue;
    else if (e.isFile()) out.push(full);
    else if (e.isSymbolicLink()) {
      const target = await fs.realpath(full).catch(() => undefined);
      const isFile = target
        ? await fs.stat(target).then(
            st => st.isFile(),
            () => false,
          )
        : false;
      if (target && isFile && inside(root, target)) out.push(full);
      else refused.push(full);
    }
  }
}

/**
 * YAML/JSON manifests in a folder (recursively; dot-folders skipped), e.g. a
 * checkout of the GitOps repository. The version changes when a file is
 * added, removed or modified.
 * @public
 */
export class DirectoryManifestSource implements ManifestSource {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  private async files(refused: string[] = []): Promise<string[]> {
    const out: string[] = [];
    const root = await fs.realpath(this.root);
    await walk(root, this.root, out, refused);
    return out;
  }

  private rel(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  async version(): Promise<string> {
    const hash = createHash('sha1');
    for (const f of await this.files()) {
      const st = await fs.stat(f);
      hash.update(`${this.rel(f)}\0${st.size}\0${st.mtimeMs}\n`);
    }
    return hash.digest('hex');
  }

  async read(): Promise<ManifestSnapshot> {
    const problems: SourceProblem[] = [];
    let names: string[];
    const refused: string[] = [];
    try {
      names = await this.files(refused);
    } catch (e) {
      return {
        files: [],
        version: 'missing',
        problems: [
          {
            source: this.root,
            message: `cannot read folder: ${toError(e).message}`,
          },
        ],
      };
    }
    for (const f of refused) {
      problems.push({
        source: this.rel(f),
        message:
          'not read: a symbolic link that leads out of the source folder (or to no file)',
      });
    }
    const files: ManifestFile[] = [];
    const hash = createHash('sha1');
    for (const f of names) {
      try {
        const [text, st] = await Promise.all([
          fs.readFile(f, 'utf8'),
          fs.stat(f),
        ]);
        files.push({ path: this.rel(f), text });
        hash.update(`${this.rel(f)}\0${st.size}\0${st.mtimeMs}\n`);
      } catch (e) {
        problems.push({
          source: this.rel(f),
          message: `cannot read file: ${toError(e).message}`,
        });
      }
    }
    return { files, version: hash.digest('hex'), problems };
  }
}
