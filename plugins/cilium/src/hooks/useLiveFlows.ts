import { useEffect, useRef, useState } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { toError } from '@backstage/errors';
import { FlowRecord } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, statusOf } from '../api';

/** The state of the live flow stream. */
export interface LiveFlows {
  /** Oldest first, at most `maxFlows`. */
  flows: FlowRecord[];
  /** Flows the server dropped for this browser because it read too slowly. */
  lost: number;
  /** Flows received while paused (shown on resume). */
  pending: number;
  /** Flows received since the table opened (the snapshot included). */
  received: number;
  state: 'connecting' | 'live' | 'reconnecting' | 'error';
  error?: Error;
}

function uuidOf(r: FlowRecord): string | undefined {
  return (r.flow as { uuid?: string }).uuid;
}

/**
 * Loads an entity's recent flows in one of its clusters (`cluster`, else its
 * default) and follows new ones over the backend's server-sent event stream,
 * reconnecting with back-off; another cluster starts afresh. Keeps at most
 * `maxFlows`; while `paused`, new flows are held back and counted.
 */
export function useLiveFlows(
  entity: CompoundEntityRef,
  options: { maxFlows?: number; paused?: boolean; cluster?: string } = {},
): LiveFlows {
  const api = useApi(ciliumApiRef);
  const maxFlows = options.maxFlows ?? 5000;
  const [state, setState] = useState<LiveFlows>({
    flows: [],
    lost: 0,
    pending: 0,
    received: 0,
    state: 'connecting',
  });
  const held = useRef<FlowRecord[]>([]);
  const pausedRef = useRef(Boolean(options.paused));
  const { kind, namespace, name } = entity;
  const { cluster } = options;

  useEffect(() => {
    pausedRef.current = Boolean(options.paused);
    if (!options.paused && held.current.length > 0) {
      const add = held.current;
      held.current = [];
      setState(s => ({
        ...s,
        flows: [...s.flows, ...add].slice(-maxFlows),
        pending: 0,
      }));
    }
  }, [options.paused, maxFlows]);

  useEffect(() => {
    const ref = { kind, namespace, name };
    const controller = new AbortController();
    const seen = new Set<string>();
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Another entity or cluster: nothing of the previous stream stays.
    held.current = [];
    setState({
      flows: [],
      lost: 0,
      pending: 0,
      received: 0,
      state: 'connecting',
    });

    const accept = (records: FlowRecord[], lost: number) => {
      const fresh = records.filter(r => {
        const id = uuidOf(r);
        if (!id) return true;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (seen.size > maxFlows * 4) seen.clear();
      if (pausedRef.current) {
        held.current = [...held.current, ...fresh].slice(-maxFlows);
        const pending = held.current.length;
        setState(s => ({
          ...s,
          lost: s.lost + lost,
          pending,
          received: s.received + fresh.length,
        }));
      } else {
        setState(s => ({
          ...s,
          flows: [...s.flows, ...fresh].slice(-maxFlows),
          lost: s.lost + lost,
          received: s.received + fresh.length,
        }));
      }
    };

    const run = async () => {
      try {
        const snapshot = await api.getEntityFlows(ref, {
          cluster,
          limit: Math.min(500, maxFlows),
        });
        accept(snapshot.flows, 0);
        setState(s => ({ ...s, state: 'live', error: undefined }));
        attempt = 0;
        await api.streamEntityFlows(
          ref,
          batch => accept(batch.flows, batch.lost),
          controller.signal,
          { cluster },
        );
        throw new Error('The flow stream ended');
      } catch (error) {
        if (controller.signal.aborted) return;
        const status = statusOf(error);
        // A refusal stays an error; "too many streams" (429) is retried with back-off.
        if (status && status >= 400 && status < 500 && status !== 429) {
          setState(s => ({ ...s, state: 'error', error: toError(error) }));
          return;
        }
        attempt++;
        const delay =
          Math.min(30000, 1000 * 2 ** (attempt - 1)) *
          (0.5 + Math.random() / 2);
        setState(s => ({ ...s, state: 'reconnecting', error: toError(error) }));
        timer = setTimeout(run, delay);
      }
    };
    run();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [api, kind, namespace, name, cluster, maxFlows]);

  return state;
}
