// Applies docs/install.md to a fresh create-app app, the way a person would:
// the code blocks marked `<!-- adoption-test: <id> -->` in the guide are read
// from the guide itself and put where its text says. If the guide changes,
// the test applies the new text; if the text no longer fits a fresh app, the
// test fails here or at `yarn tsc` / in the browser.
//
//   node apply-guide.mjs <nfs|legacy> <app dir> <docs/install.md>
import fs from 'node:fs';
import path from 'node:path';

const [template, appDir, guideFile] = process.argv.slice(2);
if (!['nfs', 'legacy'].includes(template) || !appDir || !guideFile) {
  console.error('usage: apply-guide.mjs <nfs|legacy> <app dir> <install.md>');
  process.exit(2);
}

/** The fenced code block that follows `<!-- adoption-test: id -->`. */
function snippet(guide, id) {
  const marker = `<!-- adoption-test: ${id} -->`;
  const at = guide.indexOf(marker);
  if (at < 0) throw new Error(`the guide has no block marked "${id}"`);
  const open = guide.indexOf('```', at);
  const bodyStart = guide.indexOf('\n', open) + 1;
  const close = guide.indexOf('\n```', bodyStart);
  if (open < 0 || close < 0) throw new Error(`no code block after "${id}"`);
  return guide.slice(bodyStart, close + 1);
}

function indent(text, spaces) {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map(line => (line ? pad + line : line))
    .join('\n');
}

function editFile(file, fn) {
  const full = path.join(appDir, file);
  const before = fs.readFileSync(full, 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`${file}: nothing changed`);
  fs.writeFileSync(full, after);
  console.log(`edited ${file}`);
}

/** Inserts `text` right after the last top-level import statement. */
function afterImports(source, text) {
  const re = /^import[\s\S]*?from\s+['"][^'"]+['"];\n/gm;
  let end = -1;
  for (const m of source.matchAll(re)) end = m.index + m[0].length;
  if (end < 0) throw new Error('no import statement found');
  return source.slice(0, end) + text + source.slice(end);
}

const guide = fs.readFileSync(guideFile, 'utf8');

// 2. Backend: the block goes before `backend.start()`.
editFile('packages/backend/src/index.ts', source => {
  const anchor = '\nbackend.start();';
  if (!source.includes(anchor)) throw new Error('no backend.start() found');
  return source.replace(
    anchor,
    `\n${snippet(guide, 'backend-index')}${anchor}`,
  );
});

if (template === 'nfs') {
  // 3. New frontend system: discovery is on in a create-app app, so there is
  // no code to change; the guide's extension configuration goes into the
  // existing `app.extensions` list (a list in a second config file would
  // replace it, not add to it).
  editFile('app-config.yaml', source => {
    if (!/^app:\n(?: .*\n|\n)*? {2}packages: all\n/m.test(source)) {
      throw new Error('app-config.yaml has no app.packages: all (discovery)');
    }
    const block = snippet(guide, 'nfs-extensions');
    const items = block.split('\n  extensions:\n')[1];
    if (!block.startsWith('app:\n') || !items) {
      throw new Error('nfs-extensions block is not "app:\\n  extensions:"');
    }
    const anchor = /^app:\n(?: .*\n|\n)*? {2}extensions:\n/m;
    const m = anchor.exec(source);
    if (!m) throw new Error('app-config.yaml has no app.extensions list');
    const end = m.index + m[0].length;
    return source.slice(0, end) + items + source.slice(end);
  });
} else {
  // 3. Legacy: EntityPage.tsx gets the import and the route in
  // serviceEntityPage, after the Kubernetes route.
  editFile('packages/app/src/components/catalog/EntityPage.tsx', source => {
    let out = afterImports(source, snippet(guide, 'legacy-entitypage-import'));
    const page = out.indexOf('const serviceEntityPage = (');
    const k8s = out.indexOf('path="/kubernetes"', page);
    const routeEnd = out.indexOf('</EntityLayout.Route>\n', k8s);
    if (page < 0 || k8s < 0 || routeEnd < 0) {
      throw new Error('no Kubernetes route in serviceEntityPage');
    }
    const at = routeEnd + '</EntityLayout.Route>\n'.length;
    const route = indent(snippet(guide, 'legacy-entitypage-route'), 4);
    out = `${out.slice(0, at)}\n${route}${out.slice(at)}`;
    return out;
  });
  // App.tsx: the import and a route inside <FlatRoutes>.
  editFile('packages/app/src/App.tsx', source => {
    let out = afterImports(source, snippet(guide, 'legacy-app-import'));
    const anchor = '  </FlatRoutes>';
    if (!out.includes(anchor)) throw new Error('no </FlatRoutes> found');
    const route = indent(snippet(guide, 'legacy-app-route'), 4);
    out = out.replace(anchor, `${route}${anchor}`);
    return out;
  });
}
