import fs from 'fs';
import os from 'os';
import path from 'path';
import { DirectoryManifestSource } from './DirectoryManifestSource';

describe('DirectoryManifestSource', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
    fs.mkdirSync(path.join(dir, 'checkout'));
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(
      path.join(dir, 'checkout', 'default-deny.yaml'),
      'kind: CiliumNetworkPolicy\n',
    );
    fs.writeFileSync(path.join(dir, 'list.json'), '{"kind":"List","items":[]}');
    fs.writeFileSync(path.join(dir, '.git', 'config.yaml'), 'ignored: true\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not a manifest');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and JSON manifests recursively with paths relative to the root', async () => {
    const snapshot = await new DirectoryManifestSource(dir).read();
    expect(snapshot.files.map(f => f.path)).toEqual([
      'checkout/default-deny.yaml',
      'list.json',
    ]);
    expect(snapshot.files[0].text).toBe('kind: CiliumNetworkPolicy\n');
    expect(snapshot.problems).toEqual([]);
  });

  it('changes its version when a file is added, changed or removed, and only then', async () => {
    const source = new DirectoryManifestSource(dir);
    const v1 = await source.version();
    expect(await source.version()).toBe(v1);
    fs.writeFileSync(
      path.join(dir, 'checkout', 'grant.yaml'),
      'kind: NetworkPolicy\n',
    );
    const v2 = await source.version();
    expect(v2).not.toBe(v1);
    fs.writeFileSync(
      path.join(dir, 'checkout', 'grant.yaml'),
      'kind: NetworkPolicy # changed\n',
    );
    const v3 = await source.version();
    expect(v3).not.toBe(v2);
    fs.rmSync(path.join(dir, 'checkout', 'grant.yaml'));
    expect(await source.version()).not.toBe(v3);
  });

  it('never follows a symbolic link out of its root, and says so', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.yaml'), 'token: hunter2\n');
      fs.mkdirSync(path.join(outside, 'more'));
      fs.writeFileSync(path.join(outside, 'more', 'x.yaml'), 'kind: Secret\n');
      fs.symlinkSync(
        path.join(outside, 'secret.yaml'),
        path.join(dir, 'checkout', 'leak.yaml'),
      );
      fs.symlinkSync(path.join(outside, 'more'), path.join(dir, 'more'));
      // A link to a file inside the root is an ordinary file of the source.
      fs.symlinkSync(
        path.join(dir, 'list.json'),
        path.join(dir, 'checkout', 'alias.json'),
      );
      const snapshot = await new DirectoryManifestSource(dir).read();
      expect(snapshot.files.map(f => f.path)).toEqual([
        'checkout/alias.json',
        'checkout/default-deny.yaml',
        'list.json',
      ]);
      expect(JSON.stringify(snapshot.files)).not.toContain('hunter2');
      expect(snapshot.problems).toEqual([
        {
          source: 'checkout/leak.yaml',
          message: expect.stringContaining('leads out of the source folder'),
        },
      ]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reports a missing folder instead of throwing', async () => {
    const snapshot = await new DirectoryManifestSource(
      path.join(dir, 'nope'),
    ).read();
    expect(snapshot.files).toEqual([]);
    expect(snapshot.problems[0].message).toMatch(/cannot read folder/);
  });
});
