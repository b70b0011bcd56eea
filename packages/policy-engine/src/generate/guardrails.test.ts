import { ENTITIES, REQUESTABLE_ENTITIES } from '../model/entities';
import { checkRequest } from './guardrails';
import type { GenerateRequest } from './types';

function request(entity: string): GenerateRequest {
  return {
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'The exporter reads node metrics.',
    source: {
      type: 'workloads',
      entityRef: 'component:default/exporter',
      name: 'exporter',
      namespace: 'monitoring',
      selector: { matchLabels: { app: 'exporter' } },
    },
    target: { type: 'cilium-entity', entity },
    ports: [{ port: 9100, protocol: 'TCP' }],
  };
}

const entityErrors = (entity: string) =>
  checkRequest(request(entity))
    .filter(f => f.severity === 'error')
    .map(f => f.code);

describe('checkRequest on Cilium entities', () => {
  it.each([...REQUESTABLE_ENTITIES])('accepts the requestable entity %s', e => {
    expect(entityErrors(e)).toEqual([]);
  });

  it.each(
    ENTITIES.filter(
      e => !(REQUESTABLE_ENTITIES as readonly string[]).includes(e),
    ),
  )('refuses %s, which is not requestable', e => {
    expect(entityErrors(e)).toEqual([
      expect.stringMatching(/^entity-(platform-only|unknown)$/),
    ]);
  });

  it('says why world is a platform decision, and that made-up names are not entities', () => {
    expect(entityErrors('world')).toEqual(['entity-platform-only']);
    expect(entityErrors('constructor')).toEqual(['entity-unknown']);
  });
});
