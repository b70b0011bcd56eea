import Alert from '@material-ui/lab/Alert';
import { usePublishingStatus } from '../../hooks/usePublishingStatus';

/** Says that approved requests are not published, when the backend has no publisher configured; nothing otherwise. */
export const PublishingNotConfigured = () => {
  const publishing = usePublishingStatus();
  if (!publishing || publishing.configured) return null;
  return (
    <Alert severity="info" data-testid="publishing-not-configured">
      Publishing is not configured: requests are filed and reviewed and
      approvals are recorded, but no change is published to a GitOps repository.
      An administrator sets <code>cilium.requests.publisher</code> in the
      backend's configuration to publish approved requests.
    </Alert>
  );
};
