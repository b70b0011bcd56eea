import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ciliumPublishersExtensionPoint,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import { GitHubPublisher } from './GitHubPublisher';
import { ciliumModuleGithub } from './module';

async function publishersAdded(data: object): Promise<PolicyPublisher[]> {
  const added: PolicyPublisher[] = [];
  await startTestBackend({
    extensionPoints: [
      [ciliumPublishersExtensionPoint, { addPublisher: p => added.push(p) }],
    ],
    features: [ciliumModuleGithub, mockServices.rootConfig.factory({ data })],
  });
  return added;
}

describe('ciliumModuleGithub', () => {
  it('adds the github publisher when cilium.requests.publisher.type is github', async () => {
    const added = await publishersAdded({
      integrations: { github: [{ host: 'github.com', token: 't' }] },
      cilium: {
        requests: {
          publisher: {
            type: 'github',
            repoUrl: 'https://github.com/acme/gitops',
          },
        },
      },
    });
    expect(added).toHaveLength(1);
    expect(added[0]).toBeInstanceOf(GitHubPublisher);
    expect(added[0].type).toBe('github');
  });

  it('adds nothing and reads no github settings for another publisher type', async () => {
    expect(
      await publishersAdded({
        cilium: { requests: { publisher: { type: 'local-git' } } },
      }),
    ).toEqual([]);
    expect(await publishersAdded({})).toEqual([]);
  });

  it('refuses to start without repoUrl when github is selected, naming the key', async () => {
    await expect(
      publishersAdded({
        cilium: { requests: { publisher: { type: 'github' } } },
      }),
    ).rejects.toThrow(/repoUrl/);
  });
});
