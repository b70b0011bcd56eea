import { Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import {
  Content,
  Header,
  Page,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Tab,
  Tabs,
} from '@material-ui/core';
import { useState } from 'react';
import { ConnectivityRequestState } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { RequestsTable, RequestView } from '../Requests';
import { PublishingNotConfigured } from '../Requests/PublishingNotConfigured';
import { AuditLog } from './AuditLog';
import { ClusterOverview } from './ClusterOverview';
import { ReviewQueue } from './ReviewQueue';
import { ClusterTrafficOverTime } from '../TrafficHistory';

const STATES: ConnectivityRequestState[] = [
  'submitted',
  'approved',
  'published',
  'merged',
  'enforced',
  'rejected',
  'withdrawn',
  'expiring',
  'expired',
];

const AllRequests = () => {
  const api = useApi(ciliumApiRef);
  const [state, setState] = useState<ConnectivityRequestState | ''>('');
  const list = usePolled(
    () => api.listRequests(state ? { state } : {}),
    [api, state],
    15000,
  );
  return (
    <>
      <Box mb={2}>
        <FormControl variant="outlined" size="small" style={{ minWidth: 200 }}>
          <InputLabel id="cilium-state-filter-label">State</InputLabel>
          <Select
            labelId="cilium-state-filter-label"
            label="State"
            value={state}
            onChange={e =>
              setState(e.target.value as ConnectivityRequestState | '')
            }
          >
            <MenuItem value="">All states</MenuItem>
            {STATES.map(s => (
              <MenuItem key={s} value={s}>
                {s}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </Box>
      {list.error && !list.value ? (
        <ResponseErrorPanel error={list.error} />
      ) : (
        <RequestsTable
          title="All requests"
          requests={list.value?.items ?? []}
          loading={list.loading && !list.value}
        />
      )}
    </>
  );
};

type Section = 'review' | 'requests' | 'audit' | 'overview';
const SECTIONS: Array<{ value: Section; label: string }> = [
  { value: 'review', label: 'Review queue' },
  { value: 'requests', label: 'All requests' },
  { value: 'audit', label: 'Audit log' },
  { value: 'overview', label: 'Cluster overview' },
];

const PlatformHome = () => {
  const [params, setParams] = useSearchParams();
  const section = (SECTIONS.find(s => s.value === params.get('tab'))?.value ??
    'review') as Section;
  return (
    <>
      <Box mb={2}>
        <PublishingNotConfigured />
      </Box>
      <Tabs
        value={section}
        onChange={(_e, v) => setParams({ tab: v }, { replace: true })}
        indicatorColor="primary"
        textColor="primary"
        aria-label="Platform sections"
      >
        {SECTIONS.map(s => (
          <Tab key={s.value} value={s.value} label={s.label} />
        ))}
      </Tabs>
      <Box mt={3}>
        {section === 'review' && <ReviewQueue />}
        {section === 'requests' && <AllRequests />}
        {section === 'audit' && <AuditLog />}
        {section === 'overview' && (
          <>
            <ClusterTrafficOverTime />
            <ClusterOverview />
          </>
        )}
      </Box>
    </>
  );
};

const RequestRoute = () => {
  const { id } = useParams();
  return <RequestView id={id ?? ''} />;
};

/** The platform page: review queue, all requests, audit log, cluster overview, and one page per request. */
export const CiliumPage = () => (
  <Page themeId="tool">
    <Header
      title="Cilium zero trust"
      subtitle="Connectivity requests, reviews, audit and cluster overview"
    />
    <Content>
      <Routes>
        <Route path="/" element={<PlatformHome />} />
        <Route path="/requests/:id" element={<RequestRoute />} />
      </Routes>
    </Content>
  </Page>
);
