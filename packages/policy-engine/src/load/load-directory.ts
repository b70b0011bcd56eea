import * as fs from 'fs';
import * as path from 'path';
import type { Inventory } from '../model/inventory';
import { InventoryBuilder } from '../parse/inventory';

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

/**
 * Reads every YAML/JSON manifest under one or more directories (or files) into
 * an inventory. File paths in diagnostics are relative to the first directory.
 * This and the CLI are the only parts of the package that do I/O.
 *
 * @public
 */
export function loadDirectory(dirs: string | string[]): Inventory {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  const b = new InventoryBuilder();
  for (const dir of list) {
    for (const f of listManifestFiles(dir)) {
      const rel = path.relative(process.cwd(), f) || f;
      b.addText(fs.readFileSync(f, 'utf8'), rel);
    }
  }
  return b.build();
}
