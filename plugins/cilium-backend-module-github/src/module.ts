import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ciliumPublishersExtensionPoint } from '@cilium-zero-trust/plugin-cilium-node';
import { GitHubPublisher } from './GitHubPublisher';

/**
 * Adds the `github` publisher to the cilium backend: when
 * `cilium.requests.publisher.type` is `github`, approved requests become pull
 * requests on `cilium.requests.publisher.repoUrl`.
 * @public
 */
export const ciliumModuleGithub = createBackendModule({
  pluginId: 'cilium',
  moduleId: 'github',
  register(reg) {
    reg.registerInit({
      deps: {
        publishers: ciliumPublishersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ publishers, config }) {
        const publisherConfig = config.getOptionalConfig(
          'cilium.requests.publisher',
        );
        // Built only when selected: its settings (repoUrl) are required then
        // and absent otherwise.
        if (publisherConfig?.getOptionalString('type') !== 'github') return;
        publishers.addPublisher(
          GitHubPublisher.fromConfig(config, publisherConfig),
        );
      },
    });
  },
});
