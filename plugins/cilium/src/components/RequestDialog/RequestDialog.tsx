import { useState } from 'react';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Checkbox,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  Grid,
  IconButton,
  MenuItem,
  Paper,
  Radio,
  RadioGroup,
  TextField,
  Typography,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import AddIcon from '@material-ui/icons/Add';
import DeleteIcon from '@material-ui/icons/Delete';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage } from '../../api';
import { useRequestLink } from '../../hooks/useRequestLink';
import { useRequestPreview } from '../../hooks/useRequestPreview';
import {
  ApprovalsNeeded,
  DiffList,
  FindingsList,
  PolicyFiles,
  ReplaySummary,
  Section,
} from '../Requests/parts';
import {
  CILIUM_ENTITIES,
  emptyForm,
  HTTP_METHODS,
  MIN_JUSTIFICATION,
  portProblem,
  PortRow,
  RequestFormValues,
  TargetType,
  toRequestBody,
} from './requestForm';
import { RequestIdLink } from '../Requests/RequestIdLink';
import { TargetEntityPicker } from './TargetEntityPicker';

const useStyles = makeStyles(theme => ({
  portRow: {
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'flex-start',
    marginBottom: theme.spacing(1),
  },
  preview: {
    padding: theme.spacing(2),
    minHeight: 400,
    backgroundColor: theme.palette.background.default,
  },
  field: { marginBottom: theme.spacing(2) },
}));

const TARGET_TYPES: Array<{ value: TargetType; label: string }> = [
  { value: 'entity', label: 'Catalog entity' },
  { value: 'fqdn', label: 'External host name' },
  { value: 'cidr', label: 'IP range (CIDR)' },
  { value: 'cilium-entity', label: 'Cilium entity' },
];

/** The live preview of the request: what would be generated, found, changed and approved. */
const PreviewPane = (props: {
  preview: ReturnType<typeof useRequestPreview>;
  missing?: string;
}) => {
  const classes = useStyles();
  const { preview, error, loading } = props.preview;
  let status: string;
  if (props.missing && !preview && !error)
    status = `${props.missing} to see the generated policies.`;
  else if (loading) status = 'Updating the preview…';
  else if (error) status = 'The backend refuses this request.';
  else if (preview?.ok) status = 'The backend would accept this request.';
  else if (preview)
    status = 'The backend would refuse this request: see the findings.';
  else status = '';
  return (
    <Paper
      variant="outlined"
      className={classes.preview}
      aria-labelledby="cilium-request-preview-title"
    >
      <Box display="flex" alignItems="center" gridGap={8}>
        <Typography
          variant="h6"
          component="h2"
          id="cilium-request-preview-title"
        >
          Preview
        </Typography>
        {loading && <CircularProgress size={16} aria-hidden />}
      </Box>
      <Typography
        variant="body2"
        role="status"
        aria-live="polite"
        data-testid="preview-status"
      >
        {status}
      </Typography>
      {error && (
        <Box mt={2}>
          <Alert severity="error">{errorMessage(error)}</Alert>
        </Box>
      )}
      {preview && !error && (
        <Box style={{ opacity: loading ? 0.6 : 1 }}>
          <Section title="Findings" id="preview-findings">
            <FindingsList findings={preview.findings} />
          </Section>
          <Section title="Connectivity diff" id="preview-diff">
            <DiffList diff={preview.diff} />
          </Section>
          <Section
            title="Recent drops that would become allowed"
            id="preview-replay"
          >
            <ReplaySummary replay={preview.replay} />
          </Section>
          <Section title="Approvals" id="preview-approvals">
            <ApprovalsNeeded
              destinationOwners={preview.approvals.destinationOwners}
              reviewerGroups={preview.approvals.reviewerGroups}
            />
          </Section>
          <Section title="Generated policies" id="preview-yaml">
            <PolicyFiles policies={preview.policies} />
          </Section>
        </Box>
      )}
    </Paper>
  );
};

/**
 * Asks for a new connection from `source`: target, ports, optional HTTP rule,
 * justification and expiry, with a live preview of the generated policies.
 */
export const RequestDialog = (props: {
  open: boolean;
  onClose: () => void;
  /** The entity whose pods open the connection. */
  source: string;
  /**
   * The clusters the source runs in, its default first: with more than one,
   * the user chooses which the request is for (`initial.clusters` checked).
   */
  clusters?: string[];
  initial?: Partial<RequestFormValues>;
  onCreated?: (request: ConnectivityRequest) => void;
}) => {
  const classes = useStyles();
  const api = useApi(ciliumApiRef);
  const requestLink = useRequestLink();
  const [values, setValues] = useState<RequestFormValues>(() =>
    emptyForm(props.initial),
  );
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<Error>();
  const [created, setCreated] = useState<ConnectivityRequest>();
  const [touched, setTouched] = useState(false);

  const offered = props.clusters ?? [];
  const chooseClusters = offered.length > 1;
  const noCluster = chooseClusters && values.clusters.length === 0;
  const withClusters = (
    result: ReturnType<typeof toRequestBody>,
  ): ReturnType<typeof toRequestBody> =>
    noCluster && result.body
      ? { missing: 'Choose at least one cluster' }
      : result;
  // A request for the source's default cluster alone names none (the
  // backend's default), as before several clusters.
  const onlyDefault =
    values.clusters.length === 1 && values.clusters[0] === offered[0];
  const asSent =
    chooseClusters && !onlyDefault ? values : { ...values, clusters: [] };
  const forPreview = withClusters(
    toRequestBody(props.source, asSent, { forPreview: true }),
  );
  const forSubmit = withClusters(toRequestBody(props.source, asSent));
  const preview = useRequestPreview(created ? undefined : forPreview.body);
  const currentKey = forSubmit.body
    ? JSON.stringify(forSubmit.body)
    : undefined;
  const canSubmit =
    !submitting &&
    !preview.loading &&
    Boolean(forSubmit.body) &&
    preview.previewedKey === currentKey &&
    Boolean(preview.preview?.ok) &&
    !preview.error;

  const set = <K extends keyof RequestFormValues>(
    key: K,
    value: RequestFormValues[K],
  ) => setValues(v => ({ ...v, [key]: value }));
  const toggleCluster = (cluster: string, checked: boolean) =>
    setValues(v => {
      const chosen = new Set(v.clusters);
      if (checked) chosen.add(cluster);
      else chosen.delete(cluster);
      // In the source's order: its default first.
      return { ...v, clusters: offered.filter(c => chosen.has(c)) };
    });
  const setPort = (i: number, patch: Partial<PortRow>) =>
    setValues(v => ({
      ...v,
      ports: v.ports.map((p, j) => (j === i ? { ...p, ...patch } : p)),
    }));

  const submit = async () => {
    setTouched(true);
    if (!forSubmit.body) return;
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const request = await api.createRequest(forSubmit.body);
      setCreated(request);
      props.onCreated?.(request);
    } catch (e) {
      setSubmitError(e as Error);
    } finally {
      setSubmitting(false);
    }
  };

  const justificationShort =
    values.justification.trim().length < MIN_JUSTIFICATION;

  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      maxWidth="lg"
      fullWidth
      aria-labelledby="cilium-request-title"
      aria-describedby="cilium-request-description"
    >
      <DialogTitle id="cilium-request-title">Request connectivity</DialogTitle>
      <DialogContent dividers>
        {created ? (
          <Alert severity="success">
            Request <RequestIdLink id={created.id} /> was filed. The
            destination's owners (when another team owns it) and a platform
            reviewer decide on it; follow it on its page or on the Requests tab.
          </Alert>
        ) : (
          <Grid container spacing={3}>
            <Grid item xs={12} md={5}>
              <Typography
                variant="body2"
                id="cilium-request-description"
                className={classes.field}
              >
                From <strong>{props.source}</strong>. The backend generates the
                least-privilege policies, checks them and shows what would
                change before anything is filed.
                {!chooseClusters && values.clusters.length === 1 && (
                  <> The policies are for cluster {values.clusters[0]}.</>
                )}
              </Typography>
              {chooseClusters && (
                <FormControl
                  component="fieldset"
                  className={classes.field}
                  error={touched && noCluster}
                >
                  <FormLabel component="legend">Clusters</FormLabel>
                  <FormGroup row>
                    {offered.map(cluster => (
                      <FormControlLabel
                        key={cluster}
                        control={
                          <Checkbox
                            checked={values.clusters.includes(cluster)}
                            onChange={e =>
                              toggleCluster(cluster, e.target.checked)
                            }
                            name={`cluster-${cluster}`}
                          />
                        }
                        label={cluster}
                      />
                    ))}
                  </FormGroup>
                  <FormHelperText>
                    One policy set per cluster; the destination must run in
                    each.
                  </FormHelperText>
                </FormControl>
              )}
              <FormControl component="fieldset" className={classes.field}>
                <FormLabel component="legend">Destination</FormLabel>
                <RadioGroup
                  row
                  aria-label="Destination type"
                  name="target-type"
                  value={values.targetType}
                  onChange={e =>
                    set('targetType', e.target.value as TargetType)
                  }
                >
                  {TARGET_TYPES.map(t => (
                    <FormControlLabel
                      key={t.value}
                      value={t.value}
                      control={<Radio />}
                      label={t.label}
                    />
                  ))}
                </RadioGroup>
              </FormControl>
              <div className={classes.field}>
                {values.targetType === 'entity' && (
                  <TargetEntityPicker
                    value={values.targetRef}
                    onChange={ref => set('targetRef', ref)}
                    exclude={props.source}
                    error={touched && !values.targetRef}
                  />
                )}
                {values.targetType === 'fqdn' && (
                  <TextField
                    id="cilium-request-fqdn"
                    label="Host name"
                    placeholder="api.example.com"
                    variant="outlined"
                    fullWidth
                    required
                    value={values.fqdn}
                    onChange={e => set('fqdn', e.target.value)}
                    helperText="An exact name, or a pattern such as *.example.com"
                  />
                )}
                {values.targetType === 'cidr' && (
                  <TextField
                    id="cilium-request-cidr"
                    label="CIDR"
                    placeholder="203.0.113.0/24"
                    variant="outlined"
                    fullWidth
                    required
                    value={values.cidr}
                    onChange={e => set('cidr', e.target.value)}
                    helperText="An address range outside the cluster"
                  />
                )}
                {values.targetType === 'cilium-entity' && (
                  <TextField
                    id="cilium-request-cilium-entity"
                    select
                    label="Cilium entity"
                    variant="outlined"
                    fullWidth
                    required
                    value={values.ciliumEntity}
                    onChange={e => set('ciliumEntity', e.target.value)}
                  >
                    {CILIUM_ENTITIES.map(e => (
                      <MenuItem key={e} value={e}>
                        {e}
                      </MenuItem>
                    ))}
                  </TextField>
                )}
              </div>
              <FormControl
                component="fieldset"
                className={classes.field}
                fullWidth
              >
                <FormLabel component="legend">Ports</FormLabel>
                {values.ports.map((row, i) => {
                  const problem = row.port ? portProblem(row) : undefined;
                  return (
                    <div className={classes.portRow} key={i}>
                      <TextField
                        id={`cilium-request-port-${i}`}
                        label={
                          values.ports.length > 1 ? `Port ${i + 1}` : 'Port'
                        }
                        variant="outlined"
                        size="small"
                        required
                        inputProps={{ inputMode: 'numeric' }}
                        value={row.port}
                        error={Boolean(problem) || (touched && !row.port)}
                        helperText={problem}
                        onChange={e => setPort(i, { port: e.target.value })}
                      />
                      <TextField
                        id={`cilium-request-end-port-${i}`}
                        label="End port (range)"
                        variant="outlined"
                        size="small"
                        inputProps={{ inputMode: 'numeric' }}
                        value={row.endPort}
                        onChange={e => setPort(i, { endPort: e.target.value })}
                      />
                      <TextField
                        id={`cilium-request-protocol-${i}`}
                        select
                        label="Protocol"
                        variant="outlined"
                        size="small"
                        style={{ minWidth: 100 }}
                        value={row.protocol}
                        onChange={e =>
                          setPort(i, {
                            protocol: e.target.value as PortRow['protocol'],
                          })
                        }
                      >
                        {['TCP', 'UDP', 'SCTP', 'ANY'].map(p => (
                          <MenuItem key={p} value={p}>
                            {p}
                          </MenuItem>
                        ))}
                      </TextField>
                      {values.ports.length > 1 && (
                        <IconButton
                          aria-label={`Remove port ${i + 1}`}
                          size="small"
                          onClick={() =>
                            setValues(v => ({
                              ...v,
                              ports: v.ports.filter((_p, j) => j !== i),
                            }))
                          }
                        >
                          <DeleteIcon />
                        </IconButton>
                      )}
                    </div>
                  );
                })}
                <Box>
                  <Button
                    size="small"
                    startIcon={<AddIcon />}
                    onClick={() =>
                      setValues(v => ({
                        ...v,
                        ports: [
                          ...v.ports,
                          { port: '', endPort: '', protocol: 'TCP' },
                        ],
                      }))
                    }
                  >
                    Add port
                  </Button>
                </Box>
              </FormControl>
              <FormControl
                component="fieldset"
                className={classes.field}
                fullWidth
              >
                <FormLabel component="legend">
                  HTTP rule (optional, TCP only)
                </FormLabel>
                <Box display="flex" gridGap={8} mt={1}>
                  <TextField
                    id="cilium-request-http-method"
                    select
                    label="HTTP method"
                    variant="outlined"
                    size="small"
                    style={{ minWidth: 130 }}
                    value={values.httpMethod}
                    onChange={e => set('httpMethod', e.target.value)}
                  >
                    <MenuItem value="">Any</MenuItem>
                    {HTTP_METHODS.map(m => (
                      <MenuItem key={m} value={m}>
                        {m}
                      </MenuItem>
                    ))}
                  </TextField>
                  <TextField
                    id="cilium-request-http-path"
                    label="HTTP path (regular expression)"
                    placeholder="/v1/payments/.*"
                    variant="outlined"
                    size="small"
                    fullWidth
                    value={values.httpPath}
                    onChange={e => set('httpPath', e.target.value)}
                  />
                </Box>
              </FormControl>
              <TextField
                id="cilium-request-justification"
                className={classes.field}
                label="Justification"
                variant="outlined"
                multiline
                minRows={3}
                fullWidth
                required
                value={values.justification}
                onChange={e => set('justification', e.target.value)}
                error={touched && justificationShort}
                helperText={`Why is the connection needed? Reviewers read this (at least ${MIN_JUSTIFICATION} characters).`}
              />
              <TextField
                id="cilium-request-expiry"
                label="Expires on (optional)"
                type="date"
                variant="outlined"
                InputLabelProps={{ shrink: true }}
                value={values.expiresOn}
                onChange={e => set('expiresOn', e.target.value)}
                helperText="A temporary grant is removed after this day (UTC)"
              />
            </Grid>
            <Grid item xs={12} md={7}>
              <PreviewPane preview={preview} missing={forPreview.missing} />
            </Grid>
          </Grid>
        )}
        {submitError && (
          <Box mt={2}>
            <Alert severity="error">{errorMessage(submitError)}</Alert>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {created ? (
          <>
            {requestLink(created.id) && (
              <Button component={Link as any} to={requestLink(created.id)}>
                Open the request
              </Button>
            )}
            <Button color="primary" variant="contained" onClick={props.onClose}>
              Close
            </Button>
          </>
        ) : (
          <>
            {!forSubmit.body && touched && (
              <Typography
                variant="body2"
                color="error"
                role="alert"
                style={{ marginRight: 'auto', paddingLeft: 16 }}
              >
                {forSubmit.missing}
              </Typography>
            )}
            <Button onClick={props.onClose}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              onClick={submit}
              disabled={Boolean(forSubmit.body) && !canSubmit}
            >
              {submitting ? 'Submitting…' : 'Submit request'}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
};
