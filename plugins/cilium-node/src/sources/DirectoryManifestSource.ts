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

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(root, full, out);
    else if (MANIFEST.test(e.name)) out.push(full);
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

  private async files(): Promise<string[]> {
    const out: string[] = [];
    await walk(this.root, this.root, out);
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
    try {
      names = await this.files();
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
