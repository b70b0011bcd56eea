import * as fs from 'fs';
import { listManifestFiles } from '../load/load-directory';
import type { Inventory } from '../model/inventory';
import { InventoryBuilder } from '../parse/inventory';
import { parseYamlText } from '../parse/yaml';
import { knpToCnp } from './knp-to-cnp';

type Obj = Record<string, any>;

function rewrite(v: Obj): Obj {
  if (v && Array.isArray(v.items))
    return {
      ...v,
      items: v.items.map((i: Obj) =>
        rewrite({ kind: (v.kind ?? '').replace(/List$/, ''), ...i }),
      ),
    };
  if (v && v.kind === 'NetworkPolicy') return knpToCnp(v);
  return v;
}

/** Loads a directory, optionally rewriting every KNP as an equivalent CNP. */
export function loadCase(dirs: string[], asCnp: boolean): Inventory {
  const b = new InventoryBuilder();
  for (const dir of dirs) {
    for (const f of listManifestFiles(dir)) {
      const text = fs.readFileSync(f, 'utf8');
      if (!asCnp) {
        b.addText(text, f);
        continue;
      }
      const parsed = parseYamlText(text, f);
      for (const d of parsed.documents) b.addObject(rewrite(d.value as Obj), f);
    }
  }
  return b.build();
}

/** Reads a YAML/JSON file's documents as plain objects. */
export function readDocs(file: string): unknown[] {
  return parseYamlText(fs.readFileSync(file, 'utf8'), file).documents.map(
    d => d.value,
  );
}
