import { ReactNode, useEffect, useRef } from 'react';
import { CodeSnippet } from '@backstage/core-components';
import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink, EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  Box,
  Chip,
  List,
  ListItem,
  ListItemText,
  Typography,
} from '@material-ui/core';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import {
  ConnectivityRequest,
  ConnectivityRequestState,
  ConnectivityTarget,
  RequestDiff,
  RequestFinding,
  RequestPolicyFile,
  RequestReplay,
} from '@cilium-zero-trust/plugin-cilium-common';

const useStyles = makeStyles(theme => ({
  error: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  warning: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  info: {
    backgroundColor: theme.palette.info.main,
    color: theme.palette.info.contrastText,
  },
  section: { marginTop: theme.spacing(2) },
  // CodeSnippet's light theme (highlight.js "docco") has token colours below 4.5:1 on white; the
  // highlighter sets them inline, so darker equivalents need !important.
  yaml: Object.fromEntries(
    [
      ['33, 145, 97', '#176b43'],
      ['64, 160, 112', '#2a6b4a'],
      ['64, 128, 128', '#2f6464'],
      ['153, 153, 153', '#666666'],
      ['187, 102, 136', '#94475f'],
      ['0, 134, 179', '#006a8e'],
    ].map(([rgb, color]) => {
      // One attribute test per channel: JSS splits selectors at commas.
      const [r, g, b] = rgb.split(', ');
      const selector = `& pre span[style*="rgb(${r}"][style*=" ${g}"][style*=" ${b})"]`;
      return [selector, { color: `${color} !important` }];
    }),
  ),
}));

const STATE_LABEL: Record<ConnectivityRequestState, string> = {
  submitted: 'Submitted: awaiting review',
  approved: 'Approved: publishing',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  published: 'Published: awaiting merge',
  merged: 'Merged',
  enforced: 'Enforced',
  expiring: 'Expiring: removal pending',
  expired: 'Expired: removed',
};

/** The clusters a request is for (a row filed before several clusters names one). */
export function requestClusters(
  r: Pick<ConnectivityRequest, 'cluster' | 'clusters'>,
): string[] {
  return r.clusters?.length ? r.clusters : [r.cluster];
}

/** A request's state as a chip. */
export const RequestStateChip = (props: {
  state: ConnectivityRequestState;
}) => {
  let color: 'primary' | 'secondary' | 'default' = 'default';
  if (props.state === 'enforced' || props.state === 'merged') color = 'primary';
  else if (props.state === 'rejected') color = 'secondary';
  return (
    <Chip
      size="small"
      color={color}
      label={STATE_LABEL[props.state] ?? props.state}
      data-testid="request-state"
    />
  );
};

function isEntityRef(s: string): boolean {
  return /^[a-z]+:[^/]+\/.+$/i.test(s);
}

/** An entity ref as a catalog link, anything else as text. */
export const RefOrText = (props: { value: string }) => {
  if (isEntityRef(props.value)) {
    try {
      return (
        <EntityRefLink
          entityRef={parseEntityRef(props.value)}
          defaultKind="component"
        />
      );
    } catch {
      // fall through
    }
  }
  return <>{props.value}</>;
};

/** The target of a request. */
export const TargetText = (props: { target: ConnectivityTarget }) => {
  const t = props.target;
  if (t.type === 'entity') return <RefOrText value={t.ref} />;
  if (t.type === 'fqdn') return <>{t.name} (host name)</>;
  if (t.type === 'cidr') return <>{t.cidr} (CIDR)</>;
  return <>{t.entity} (Cilium entity)</>;
};

/** Findings of generation, guardrails and tests, with their severity. */
export const FindingsList = (props: { findings: RequestFinding[] }) => {
  const classes = useStyles();
  if (props.findings.length === 0) {
    return (
      <Typography variant="body2">
        No findings: structure, guardrails and lint passed.
      </Typography>
    );
  }
  return (
    <List dense disablePadding aria-label="Findings">
      {props.findings.map((f, i) => (
        <ListItem key={i} disableGutters alignItems="flex-start">
          <Box mr={1} mt={0.5}>
            <Chip
              size="small"
              label={f.severity}
              className={classes[f.severity] ?? classes.info}
            />
          </Box>
          <ListItemText
            primary={f.message}
            secondary={f.cluster ? `${f.code} · cluster ${f.cluster}` : f.code}
          />
        </ListItem>
      ))}
    </List>
  );
};

const MARK: Record<string, string> = { added: '+', removed: '−', changed: '~' };

/** The connectivity diff of the whole graph. */
export const DiffList = (props: { diff: RequestDiff }) => {
  const { added, removed, changed = [] } = props.diff;
  const rows = [
    ...added.map(r => ({ ...r, what: 'added' })),
    ...removed.map(r => ({ ...r, what: 'removed' })),
    ...changed.map(r => ({ ...r, what: 'changed' })),
  ];
  if (rows.length === 0)
    return (
      <Typography variant="body2">
        No edge of the connectivity graph changes.
      </Typography>
    );
  return (
    <List dense disablePadding aria-label="Connectivity diff">
      {rows.map((r, i) => (
        <ListItem key={i} disableGutters>
          <ListItemText
            primary={
              <>
                <strong>{MARK[r.what]} </strong>
                <RefOrText value={r.src} /> → <RefOrText value={r.dst} />
              </>
            }
            secondary={`${r.cluster ? `${r.cluster}: ` : ''}${
              r.before || 'nothing'
            } → ${r.after || 'nothing'}${r.expected ? '' : ' (not requested)'}`}
          />
        </ListItem>
      ))}
    </List>
  );
};

/** Recent flows the change would flip. */
export const ReplaySummary = (props: { replay?: RequestReplay }) => {
  const r = props.replay;
  if (!r) return <Typography variant="body2">No replay recorded.</Typography>;
  return (
    <>
      <Typography variant="body2">
        {r.newlyAllowed.length} of {r.flowsReplayed} recent flows were dropped
        and would become allowed
        {r.newlyDropped.length
          ? `; ${r.newlyDropped.length} forwarded flows would be dropped`
          : ''}
        .
      </Typography>
      {r.newlyAllowed.length > 0 && (
        <List
          dense
          disablePadding
          aria-label="Recent drops that would become allowed"
        >
          {r.newlyAllowed.slice(0, 5).map((f, i) => (
            <ListItem key={i} disableGutters>
              <ListItemText
                primary={`${f.source} → ${f.destination} ${f.protocol} ${f.port}`}
                primaryTypographyProps={{ style: { overflowWrap: 'anywhere' } }}
                secondary={`${f.cluster ? `${f.cluster} · ` : ''}${new Date(
                  f.time,
                ).toLocaleString()}`}
              />
            </ListItem>
          ))}
        </List>
      )}
    </>
  );
};

/**
 * Syntax-highlighted YAML whose scrolling block can be reached and scrolled
 * with the keyboard (the highlighter's `pre` gets a tab stop and a name).
 */
export const YamlBlock = (props: { text: string; label: string }) => {
  const ref = useRef<HTMLDivElement>(null);
  const { label } = props;
  useEffect(() => {
    const root = ref.current;
    if (!root) return undefined;
    // The highlighter loads lazily and re-creates its `pre`: label it whenever it appears.
    const apply = () =>
      root.querySelectorAll('pre').forEach(pre => {
        if (pre.getAttribute('tabindex') === '0') return;
        pre.setAttribute('tabindex', '0');
        pre.setAttribute('role', 'region');
        pre.setAttribute('aria-label', label);
      });
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [label]);
  const theme = useTheme();
  const classes = useStyles();
  return (
    <div ref={ref} className={classes.yaml}>
      <CodeSnippet
        language="yaml"
        text={props.text}
        showCopyCodeButton
        // On the light theme's tinted background some token colours fall just short of 4.5:1.
        customStyle={
          theme.palette.type === 'light'
            ? {
                background: '#ffffff',
                border: `1px solid ${theme.palette.divider}`,
              }
            : undefined
        }
      />
    </div>
  );
};

const PolicyFileList = (props: { policies: RequestPolicyFile[] }) => (
  <>
    {props.policies.map(p => (
      <Box key={`${p.cluster}/${p.path}`} mb={2}>
        <Typography variant="subtitle2" component="p">
          {p.path}
        </Typography>
        <YamlBlock text={p.yaml} label={`YAML of ${p.path}`} />
      </Box>
    ))}
  </>
);

/** Generated policy files, syntax-highlighted, grouped by cluster when there are several. */
export const PolicyFiles = (props: { policies: RequestPolicyFile[] }) => {
  if (props.policies.length === 0)
    return (
      <Typography variant="body2">No policy file was generated.</Typography>
    );
  const byCluster = new Map<string, RequestPolicyFile[]>();
  for (const p of props.policies) {
    const key = p.cluster ?? '';
    byCluster.set(key, [...(byCluster.get(key) ?? []), p]);
  }
  if (byCluster.size < 2) {
    const [only] = byCluster.keys();
    return (
      <>
        {only && (
          <Typography variant="body2" color="textSecondary" gutterBottom>
            For cluster {only}
          </Typography>
        )}
        <PolicyFileList policies={props.policies} />
      </>
    );
  }
  return (
    <>
      {[...byCluster.entries()].map(([cluster, policies]) => (
        <section
          key={cluster}
          aria-label={`Policies for cluster ${cluster}`}
          data-testid={`policies-${cluster}`}
        >
          <Typography variant="subtitle1" component="h4" gutterBottom>
            Cluster {cluster} ({policies.length}{' '}
            {policies.length === 1 ? 'file' : 'files'})
          </Typography>
          <PolicyFileList policies={policies} />
        </section>
      ))}
    </>
  );
};

/** Who must approve. */
export const ApprovalsNeeded = (props: {
  destinationOwners: string[];
  reviewerGroups?: string[];
  consentNeeded?: boolean;
}) => (
  <Typography variant="body2" component="div">
    {props.destinationOwners.length > 0 && props.consentNeeded !== false ? (
      <div>
        Consent of the destination's owners:{' '}
        <EntityRefLinks
          entityRefs={props.destinationOwners}
          defaultKind="group"
        />
      </div>
    ) : (
      <div>No consent of the destination's owners is needed.</div>
    )}
    {props.reviewerGroups && props.reviewerGroups.length > 0 && (
      <div>
        Approval of a platform reviewer:{' '}
        <EntityRefLinks entityRefs={props.reviewerGroups} defaultKind="group" />
      </div>
    )}
  </Typography>
);

/** A titled block of a request view. */
export const Section = (props: {
  title: string;
  children: ReactNode;
  id?: string;
}) => {
  const classes = useStyles();
  return (
    <section className={classes.section} aria-labelledby={props.id}>
      <Typography variant="h6" component="h3" id={props.id} gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </section>
  );
};
