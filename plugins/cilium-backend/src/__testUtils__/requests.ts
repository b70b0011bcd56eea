import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  ciliumPublishersExtensionPoint,
  PolicyPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';

/** The request body the request tests file: checkout → payments on TCP 8443. */
export const demoRequest = {
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' }],
  justification: 'Checkout takes card payments through the payments service.',
};

/** A backend module that installs `publisher` through the publishers extension point. */
export function publisherModule(publisher: PolicyPublisher) {
  return createBackendModule({
    pluginId: 'cilium',
    moduleId: `test-publisher-${Math.random().toString(16).slice(2)}`,
    register(reg) {
      reg.registerInit({
        deps: { publishers: ciliumPublishersExtensionPoint },
        async init({ publishers }) {
          publishers.addPublisher(publisher);
        },
      });
    },
  });
}
