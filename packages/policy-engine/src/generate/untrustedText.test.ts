import path from 'path';
import { parseAllDocuments } from 'yaml';
import { PolicyEngine } from '../evaluate/engine';
import { loadDirectory } from '../load/load-directory';
import { findControlCharacter, singleLine } from '../model/text';
import { planChange } from './plan';
import type { GenerateRequest } from './types';

const examples = path.resolve(__dirname, '../../../../examples');

/**
 * Reads YAML text the way a YAML 1.1 reader (go-yaml: kubectl, Argo CD, Flux,
 * kustomize) does. The `yaml` package, even with `{ version: '1.1' }`, breaks
 * lines only at LF and CRLF (checked with yaml 2.9: a NEL between a comment
 * and `---` stays inside the comment), so the YAML 1.1 line breaks — CR, NEL
 * U+0085, LS U+2028, PS U+2029 — are turned into LF first.
 */
function readAsYaml11(text: string) {
  let normalised = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' && text[i + 1] === '\n') continue;
    normalised +=
      c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029'
        ? '\n'
        : c;
  }
  return parseAllDocuments(normalised, { version: '1.1' });
}

const smuggled =
  '{apiVersion: cilium.io/v2, kind: CiliumClusterwideNetworkPolicy, metadata: {name: smuggled}, spec: {endpointSelector: {}, ingress: [{fromEntities: [world]}]}}';

const characters: Array<[string, string]> = [
  ['NEL U+0085', '\u0085'],
  ['LS U+2028', '\u2028'],
  ['PS U+2029', '\u2029'],
  ['CR', '\r'],
  ['CRLF', '\r\n'],
  ['LF', '\n'],
  ['VT', '\u000b'],
  ['FF', '\u000c'],
  ['TAB', '\t'],
  ['NUL', '\u0000'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['C1 U+0080', '\u0080'],
  ['C1 U+009B (CSI)', '\u009b'],
  ['C1 U+009F', '\u009f'],
];

describe('untrusted text in generated policy files', () => {
  const engine = new PolicyEngine(
    loadDirectory([
      path.join(examples, 'gitops/policies'),
      path.join(examples, 'cluster'),
    ]),
    { clusterName: 'dev' },
  );
  const request = (overrides: Partial<GenerateRequest>): GenerateRequest => ({
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'Checkout takes card payments through the payments service.',
    source: {
      type: 'workloads',
      entityRef: 'component:default/checkout',
      name: 'checkout',
      namespace: 'checkout',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
    },
    target: {
      type: 'workloads',
      entityRef: 'component:default/payments',
      name: 'payments',
      namespace: 'checkout',
      selector: { matchLabels: { 'backstage.io/kubernetes-id': 'payments' } },
    },
    ports: [{ port: 8443, protocol: 'TCP' }],
    ...overrides,
  });

  it('the YAML 1.1 reader of this test does see a NEL-split document', () => {
    // What today's files looked like when a justification carried a NEL.
    const text = `# Requested by user:default/mallory: ok\u0085---\u0085${smuggled}\u0085---\u0085# rest\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n`;
    expect(parseAllDocuments(text, { version: '1.1' })).toHaveLength(1);
    const docs = readAsYaml11(text);
    expect(docs).toHaveLength(2);
    expect(docs.map(d => d.toJS().kind)).toEqual([
      'CiliumClusterwideNetworkPolicy',
      'CiliumNetworkPolicy',
    ]);
  });

  it.each(characters)(
    'a justification with %s yields exactly the planned documents',
    (_name, ch) => {
      const justification = `Needed for payments${ch}---${ch}${smuggled}${ch}---${ch}# rest`;
      const plan = planChange(request({ justification }), engine);
      expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
      expect(plan.policies).toHaveLength(2);
      for (const policy of plan.policies) {
        // Nothing but LF separates lines of the file.
        expect(
          findControlCharacter(policy.yaml.split('\n').join(' ')),
        ).toBeUndefined();
        const docs = readAsYaml11(policy.yaml);
        expect(docs.map(d => d.errors)).toEqual([[]]);
        const object = docs[0].toJS();
        expect(object.kind).toBe('CiliumNetworkPolicy');
        expect(object.metadata.name).toBe((policy.object as any).metadata.name);
        expect(object).toEqual(policy.object);
        // The justification is kept, on one line.
        expect(
          object.metadata.annotations['cilium.backstage.io/justification'],
        ).toBe(singleLine(justification, 1000));
      }
      expect(
        plan.policies.map(p => readAsYaml11(p.yaml)[0].toJS().metadata.name),
      ).toEqual([
        'allow-egress-from-checkout-to-payments-req-0a1b2c3d',
        'allow-ingress-to-payments-from-checkout-req-0a1b2c3d',
      ]);
    },
  );

  it.each([
    ['an HTTP path', { http: [{ method: 'GET', path: '/v1\u0085---' }] }],
    ['an HTTP method', { http: [{ method: 'GET\u2028', path: '/v1' }] }],
    [
      'an FQDN',
      {
        target: { type: 'fqdn' as const, name: 'api.example.com\u0085x' },
      },
    ],
  ])(
    'refuses %s with a control character, naming the field and code point',
    (_what, overrides) => {
      const plan = planChange(request(overrides), engine);
      expect(plan.policies).toEqual([]);
      const errors = plan.findings.filter(f => f.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].code).toBe('control-character');
      expect(errors[0].message).toMatch(
        /^(http\[0\]\.(path|method)|target name) must not contain control characters or line breaks \(found U\+(0085|2028) at position \d+\)\.$/,
      );
    },
  );
});
