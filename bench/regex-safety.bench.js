/* Regular-expression safety (issue 12, item 2): every checker that looks at request, catalog or policy-source
 * text, fed adversarial inputs of the largest size it accepts. Reports the worst mean time per call (over the
 * inputs of one checker) in µs of CPU time. A checker that backtracks shows up here as milliseconds or worse; a linear one
 * stays in microseconds. For comparison it also times the FQDN regular expression the guardrails used before,
 * on a 25-character input (each further character doubles its time; at 255 characters it would not finish).
 */
'use strict';
const path = require('path');
const engineDir = path.resolve(__dirname, '../packages/policy-engine');
require(require.resolve('sucrase/register/ts', { paths: [engineDir] }));
const engine = require(path.join(engineDir, 'src/index.ts'));
const { checkRequest } = require(path.join(
  engineDir,
  'src/generate/guardrails.ts',
));
const {
  compileDnsPattern,
  isDnsName,
  isDnsPattern,
  dnsCovers,
} = require(path.join(engineDir, 'src/evaluate/fqdn.ts'));
const common = require(path.resolve(
  __dirname,
  '../plugins/cilium-common/src/index.ts',
));

const MAX_DNS = 255; // isDnsName / the request schema / Cilium's CRD
const MAX_HTTP = 1024; // request schema and guardrails
const MAX_JUSTIFICATION = 2000; // request schema
const MAX_LABEL_SELECTOR = 4096; // an annotation value; no limit of its own

const fill = (unit, length, tail = '') =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, length - tail.length) +
  tail;

const request = (target, http) => ({
  id: 'req-0a1b2c3d',
  requester: 'user:default/jane.doe',
  justification: 'Benchmark of the request checks.',
  source: {
    type: 'workloads',
    entityRef: 'component:default/checkout',
    name: 'checkout',
    namespace: 'checkout',
    selector: { matchLabels: { app: 'checkout' } },
  },
  target,
  ports: [{ port: 443, protocol: 'TCP' }],
  http,
});

const dnsAdversarial = [
  fill('a', MAX_DNS, '!'),
  fill('a.', MAX_DNS, '!'),
  fill('a-', MAX_DNS, '!'),
  fill('a_', MAX_DNS, '.'),
  fill('aaaaaaaaa.', MAX_DNS, '..'),
  `*.${fill('a', MAX_DNS - 2, '!')}`,
  fill('a', MAX_DNS + 1), // one over the limit
  fill('a', 100000), // far over the limit: refused on length
];

const policy = fqdn => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'p', namespace: 'n' },
  spec: { endpointSelector: {}, egress: [{ toFQDNs: [fqdn] }] },
});

const checkers = [
  {
    name: 'guardrails FQDN target (checkRequest)',
    inputs: dnsAdversarial,
    run: name => checkRequest(request({ type: 'fqdn', name })),
  },
  {
    name: 'isDnsName / isDnsPattern',
    inputs: dnsAdversarial,
    run: s => isDnsName(s) || isDnsPattern(s),
  },
  {
    name: 'policy toFQDNs matchName + matchPattern (parseCiliumPolicy)',
    inputs: dnsAdversarial.flatMap(s => [
      { matchName: s },
      { matchPattern: s.replace(/a/g, '*a') },
    ]),
    run: fqdn => engine.parseCiliumPolicy(policy(fqdn), 'CiliumNetworkPolicy'),
  },
  {
    name: 'DNS pattern match (compileDnsPattern + test), many *',
    inputs: [
      [fill('*a', MAX_DNS), fill('a', MAX_DNS - 1, 'b')],
      [fill('a*', MAX_DNS), fill('a', MAX_DNS - 1, 'b')],
      [fill('*', MAX_DNS - 1, 'b'), fill('a', MAX_DNS)],
      [
        `${fill('*a', 120)}.${fill('*a', 120)}`,
        `${fill('a', 120)}.${fill('a', 119, 'b')}`,
      ],
      [fill('*-', MAX_DNS), fill('-', MAX_DNS - 1, '!')],
    ],
    run: ([pattern, name]) => compileDnsPattern(pattern).test(name),
  },
  {
    name: 'dnsCovers (peer pattern sampled)',
    inputs: [[fill('*a', MAX_DNS), fill('*a', MAX_DNS - 1, 'b')]],
    run: ([rule, peer]) => dnsCovers(compileDnsPattern(rule), peer),
  },
  {
    name: 'guardrails HTTP rule (checkRequest, path compiled as a regex)',
    inputs: [
      fill('/(a+)+', MAX_HTTP),
      fill('/a*', MAX_HTTP),
      fill('/(', MAX_HTTP),
      fill('/a', MAX_HTTP + 1),
    ],
    run: p =>
      checkRequest(
        request(
          {
            type: 'workloads',
            entityRef: 'component:default/payments',
            name: 'payments',
            namespace: 'checkout',
            selector: { matchLabels: { app: 'payments' } },
          },
          [{ method: 'GET', path: p }],
        ),
      ),
  },
  {
    name: 'control-character scan (findControlCharacter, singleLine)',
    inputs: [
      fill('a', MAX_JUSTIFICATION, '\u0085'),
      fill(' \u2028', MAX_JUSTIFICATION),
      fill('a\n', MAX_JUSTIFICATION),
    ],
    run: s =>
      engine.findControlCharacter(s, { allowNewLines: true }) ||
      engine.singleLine(s, 1000),
  },
  {
    name: 'guardrails CIDR target (canonical form)',
    inputs: [
      fill('0', 60, '1/8'),
      '0000:0000:0000:0000:0000:0000:0000:0001/128',
      fill('1.', 63, '/'),
    ],
    run: cidr => checkRequest(request({ type: 'cidr', cidr })),
  },
  {
    name: 'label selector annotation (parseLabelSelector)',
    inputs: [
      fill('a', MAX_LABEL_SELECTOR, '!'),
      fill('a.', MAX_LABEL_SELECTOR, '=!'),
      `k in (${fill('a-', MAX_LABEL_SELECTOR - 7, '!)')}`,
      fill('a ', MAX_LABEL_SELECTOR, 'in'),
      fill('a/', MAX_LABEL_SELECTOR, '=b'),
    ],
    run: s => {
      try {
        return common.parseLabelSelector(s);
      } catch (e) {
        return e;
      }
    },
  },
  {
    name: 'policy YAML text with unclosed {{ (template detection)',
    inputs: [
      `# ${fill(
        '{{',
        1 << 20,
      )}\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: n}\nspec: {endpointSelector: {}, egress: [{}]}\n`,
    ],
    calls: 20,
    run: text => engine.parseYamlText(text, 'bench.yaml'),
  },
];

/**
 * Mean µs per call of fn(input) over `calls` calls after a warm-up, as CPU time of this process
 * (user + system): on a machine shared with other work, wall time mostly measures the others.
 */
function time(fn, input, calls) {
  for (let i = 0; i < Math.min(50, calls); i++) fn(input);
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(input);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const figures = [];
for (const c of checkers) {
  const calls = c.calls ?? 2000;
  const each = c.inputs.map(input => time(c.run, input, calls));
  const worst = Math.max(...each);
  console.log(
    `${c.name}: worst ${worst.toFixed(1)} µs/call (inputs: ${each
      .map(v => v.toFixed(1))
      .join(' / ')})`,
  );
  figures.push({
    name: `regex-safety: ${c.name}, worst adversarial input at max length`,
    value: Number(worst.toFixed(1)),
    unit: 'µs CPU/call',
    goal: c.calls ? '<= 100000' : '<= 1000',
  });
}

// The old guardrails check, for comparison, on a short input only.
const OLD_FQDN = /^([-a-zA-Z0-9_]+[.]?)+$/;
const oldInput = `${'a'.repeat(25)}!`;
const oldStart = process.cpuUsage();
OLD_FQDN.test(oldInput);
const oldUsed = process.cpuUsage(oldStart);
const oldMs = (oldUsed.user + oldUsed.system) / 1000;
console.log(
  `before: /^([-a-zA-Z0-9_]+[.]?)+$/ on 25 letters + "!": ${oldMs.toFixed(
    0,
  )} ms (doubles with each further letter)`,
);
figures.push({
  name: 'regex-safety: old FQDN regex on 26 characters (reference, removed)',
  value: Number(oldMs.toFixed(0)),
  unit: 'ms CPU/call',
  goal: 'reference',
});

// The old template detection, for comparison: quadratic in the number of `{{` without a `}}`.
const OLD_TEMPLATE = /\{\{[^]*?\}\}/;
const templateInput = '{'.repeat(40000);
const templateStart = process.cpuUsage();
OLD_TEMPLATE.test(templateInput);
const templateUsed = process.cpuUsage(templateStart);
const templateMs = (templateUsed.user + templateUsed.system) / 1000;
console.log(
  `before: /\\{\\{[^]*?\\}\\}/ on 40,000 "{": ${templateMs.toFixed(
    0,
  )} ms (4x for each doubling; the 1 MiB input above would take hours)`,
);
figures.push({
  name: 'regex-safety: old template regex on 40,000 "{" (reference, removed)',
  value: Number(templateMs.toFixed(0)),
  unit: 'ms CPU/call',
  goal: 'reference',
});

for (const f of figures) console.log(`BENCH_RESULT ${JSON.stringify(f)}`);
