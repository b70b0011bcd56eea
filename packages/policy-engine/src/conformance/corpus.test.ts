import * as fs from 'fs';
import * as path from 'path';
import { PolicyEngine } from '../evaluate/engine';
import { listManifestFiles } from '../load/load-directory';
import { InventoryBuilder } from '../parse/inventory';
import { CORPUS_DIR, describeWithShared } from '../__testUtils__/shared';

const POLICIES = path.join(CORPUS_DIR, 'cilium', 'policies');

describeWithShared('real Cilium corpus', POLICIES, () => {
  it('every document parses or is refused with a clear reason', () => {
    const files = listManifestFiles(POLICIES);
    let docs = 0;
    let policies = 0;
    const refused: Record<string, number> = {};
    const byFile: string[] = [];
    for (const f of files) {
      const b = new InventoryBuilder();
      b.addText(fs.readFileSync(f, 'utf8'), path.relative(POLICIES, f));
      const inv = b.build();
      const kinds = Object.values(inv.kinds).reduce((a, n) => a + n, 0);
      docs +=
        kinds +
        inv.diagnostics.filter(d => d.code === 'yaml' || d.code === 'template')
          .length;
      policies += inv.policies.length;
      for (const d of inv.diagnostics.filter(x => x.severity === 'error')) {
        refused[d.code] = (refused[d.code] ?? 0) + 1;
        expect(d.message.length).toBeGreaterThan(10);
        expect(d.file).toBeTruthy();
        byFile.push(`${d.file}: ${d.code}: ${d.message}`);
      }
      // whatever loaded must evaluate without throwing
      const e = new PolicyEngine(inv);
      e.graph({ detail: false });
    }
    // eslint-disable-next-line no-console
    console.log(
      `corpus: ${
        files.length
      } files, ${docs} documents, ${policies} policies accepted, refused: ${JSON.stringify(
        refused,
      )}\n${byFile.join('\n')}`,
    );
    expect(refused.template ?? 0).toBeGreaterThan(0);
    expect(policies).toBeGreaterThan(200);
    // the documented-invalid snippet (port 65536) is refused by the sanitiser
    expect(
      byFile.some(l => l.includes('port65536') && /out of range/.test(l)),
    ).toBe(true);
    // dns: [{}] violates the CRD oneOf
    expect(
      byFile.some(
        l => l.includes('l7_80_53.yaml') && /matchName or matchPattern/.test(l),
      ),
    ).toBe(true);
  });
});
