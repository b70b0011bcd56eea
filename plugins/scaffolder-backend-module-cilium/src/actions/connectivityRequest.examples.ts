import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in the scaffolder's action list. */
export const examples: TemplateExample[] = [
  {
    description: 'Let checkout call payments on TCP 8443',
    example: yaml.stringify({
      steps: [
        {
          id: 'connectivity',
          action: 'cilium:connectivity:request',
          name: 'Request connectivity',
          input: {
            source: 'component:default/checkout',
            target: { type: 'entity', ref: 'component:default/payments' },
            ports: [{ port: 8443, protocol: 'TCP' }],
            justification:
              'Checkout takes card payments through the payments service.',
          },
        },
      ],
    }),
  },
  {
    description: 'A temporary grant to an external API by name',
    example: yaml.stringify({
      steps: [
        {
          id: 'connectivity',
          action: 'cilium:connectivity:request',
          input: {
            source: '${{ parameters.component }}',
            target: { type: 'fqdn', name: 'api.sendgrid.com' },
            ports: [{ port: 443, protocol: 'TCP' }],
            justification: '${{ parameters.justification }}',
            expiresAt: '2030-01-31T00:00:00Z',
          },
        },
      ],
    }),
  },
];
