import useAsync from 'react-use/esm/useAsync';
import { CodeSnippet, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Dialog,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { ciliumApiRef, errorMessage } from '../../api';

/** Shows one policy file of the cluster's policy source. */
export const PolicyYamlDialog = (props: {
  cluster: string;
  path: string;
  title: string;
  onClose: () => void;
}) => {
  const api = useApi(ciliumApiRef);
  const { value, loading, error } = useAsync(
    () => api.getPolicyFile(props.cluster, props.path),
    [api, props.cluster, props.path],
  );
  return (
    <Dialog
      open
      onClose={props.onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="policy-yaml-title"
    >
      <DialogTitle id="policy-yaml-title">{props.title}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="textSecondary" gutterBottom>
          {props.path}
          {value?.url && (
            <>
              {' · '}
              <Link to={value.url}>Open in the GitOps repository</Link>
            </>
          )}
        </Typography>
        {loading && <Progress />}
        {error && <Typography color="error">{errorMessage(error)}</Typography>}
        {value && (
          <CodeSnippet
            language="yaml"
            text={value.yaml}
            showLineNumbers
            showCopyCodeButton
          />
        )}
      </DialogContent>
    </Dialog>
  );
};
