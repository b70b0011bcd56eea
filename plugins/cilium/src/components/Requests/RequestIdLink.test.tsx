import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { ciliumPageRouteRef } from '../../routes';
import { RequestIdLink } from './RequestIdLink';

describe('RequestIdLink', () => {
  it('links to the request page wherever the app mounts the Cilium page', async () => {
    await renderInTestApp(<RequestIdLink id="req-1a2b3c4d" />, {
      mountedRoutes: { '/platform/network': ciliumPageRouteRef },
    });
    expect(screen.getByRole('link', { name: 'req-1a2b3c4d' })).toHaveAttribute(
      'href',
      '/platform/network/requests/req-1a2b3c4d',
    );
  });

  it('shows plain text when the app does not mount the Cilium page', async () => {
    await renderInTestApp(<RequestIdLink id="req-1a2b3c4d" />);
    expect(screen.getByText('req-1a2b3c4d')).toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
