import { useMemo } from 'react';
import {
  DependencyGraph,
  DependencyGraphTypes,
  InfoCard,
} from '@backstage/core-components';
import { useTheme } from '@material-ui/core';
import {
  ConnectivityEdge,
  TrafficEdge,
} from '@cilium-zero-trust/plugin-cilium-common';

interface MapEdge {
  allowed?: string;
  forwarded: number;
  dropped: number;
}

function shortName(id: string): string {
  const m = /^([a-z]+):([^/]+)\/(.+)$/.exec(id);
  if (!m) return id;
  return m[1] === 'component' ? m[3] : `${m[3]} (${m[1]})`;
}

/**
 * The entity's neighbourhood: allowed edges from the policies and observed
 * edges from live traffic; edges with drops are labelled in red.
 */
export const ServiceMap = (props: {
  entityRef: string;
  allowed: { ingress: ConnectivityEdge[]; egress: ConnectivityEdge[] };
  observed: TrafficEdge[];
}) => {
  const theme = useTheme();
  const { nodes, edges } = useMemo(() => {
    const merged = new Map<string, MapEdge & { from: string; to: string }>();
    const get = (from: string, to: string) => {
      const key = `${from}>${to}`;
      let e = merged.get(key);
      if (!e) {
        e = { from, to, forwarded: 0, dropped: 0 };
        merged.set(key, e);
      }
      return e;
    };
    for (const e of props.allowed.egress) {
      const m = get(props.entityRef, e.peer.id);
      m.allowed = m.allowed ? `${m.allowed}, ${e.ports}` : e.ports;
    }
    for (const e of props.allowed.ingress) {
      const m = get(e.peer.id, props.entityRef);
      m.allowed = m.allowed ? `${m.allowed}, ${e.ports}` : e.ports;
    }
    for (const t of props.observed) {
      const m =
        t.direction === 'egress'
          ? get(props.entityRef, t.peer.id)
          : get(t.peer.id, props.entityRef);
      m.forwarded += t.verdicts.FORWARDED ?? 0;
      m.dropped += t.verdicts.DROPPED ?? 0;
    }
    const ids = new Set<string>([props.entityRef]);
    merged.forEach(e => {
      ids.add(e.from);
      ids.add(e.to);
    });
    return {
      nodes: [...ids].map(id => ({ id })),
      edges: [...merged.values()].map(e => {
        const parts = [
          e.allowed ? `allowed ${e.allowed}` : 'not allowed',
          e.forwarded ? `${e.forwarded} seen` : '',
          e.dropped ? `${e.dropped} dropped` : '',
        ].filter(Boolean);
        return {
          from: e.from,
          to: e.to,
          label: parts.join(' · '),
          dropped: e.dropped > 0,
        };
      }),
    };
  }, [props.entityRef, props.allowed, props.observed]);

  const renderNode = ({ node }: DependencyGraphTypes.RenderNodeProps) => {
    const self = node.id === props.entityRef;
    const label = shortName(node.id);
    const width = Math.max(80, label.length * 8 + 24);
    return (
      <g>
        <rect
          width={width}
          height={32}
          rx={6}
          fill={
            self ? theme.palette.primary.main : theme.palette.background.paper
          }
          stroke={theme.palette.primary.main}
        />
        <text
          x={width / 2}
          y={20}
          textAnchor="middle"
          fill={self ? '#fff' : theme.palette.text.primary}
          fontSize={13}
        >
          {label}
        </text>
      </g>
    );
  };

  const renderLabel = ({
    edge,
  }: DependencyGraphTypes.RenderLabelProps<{ dropped: boolean }>) => (
    <text
      fill={
        edge.dropped ? theme.palette.error.main : theme.palette.text.secondary
      }
      fontSize={11}
    >
      {edge.label}
    </text>
  );

  return (
    <InfoCard
      title="Service map"
      subheader="Allowed by policy, seen live, and dropped (red)"
    >
      <div data-testid="service-map">
        <DependencyGraph
          nodes={nodes}
          edges={edges}
          renderNode={renderNode}
          renderLabel={renderLabel}
          direction={DependencyGraphTypes.Direction.LEFT_RIGHT}
          paddingX={20}
          paddingY={20}
          rankMargin={160}
          fit="contain"
          style={{ width: '100%', minHeight: 400 }}
        />
      </div>
    </InfoCard>
  );
};
