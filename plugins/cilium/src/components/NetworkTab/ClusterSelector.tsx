import { Box, TextField, Typography } from '@material-ui/core';

/**
 * Chooses which of the entity's clusters the Network tab shows. Drawn only
 * when the entity runs in more than one cluster.
 */
export const ClusterSelector = (props: {
  /** Every cluster the entity runs in, its default first. */
  clusters: string[];
  value: string;
  onChange: (cluster: string) => void;
}) => {
  const { clusters } = props;
  // A cluster the entity does not run in (from a link) is not offered.
  const value = clusters.includes(props.value) ? props.value : '';
  return (
    <Box display="flex" alignItems="center" gridGap={16} flexWrap="wrap">
      <TextField
        id="cilium-cluster-select"
        select
        label="Cluster"
        variant="outlined"
        size="small"
        style={{ minWidth: 180 }}
        value={value}
        onChange={e => props.onChange(e.target.value)}
        SelectProps={{ native: true }}
        helperText={`Runs in ${clusters.length} clusters; ${clusters[0]} is its default`}
      >
        {!value && (
          <option value="" disabled>
            Choose a cluster
          </option>
        )}
        {clusters.map(c => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </TextField>
      {value && (
        <Typography variant="body2" color="textSecondary">
          Policies, traffic, drift and workloads below are those of cluster{' '}
          <strong>{value}</strong>.
        </Typography>
      )}
    </Box>
  );
};
