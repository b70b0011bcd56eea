import { AuditorService } from '@backstage/backend-plugin-api';
import {
  ConnectivityRequest,
  ConnectivityRequestState,
} from '@cilium-zero-trust/plugin-cilium-common';
import { auditTransition } from './auditEvents';
import { NewEvent, RequestStore, StoredRequest } from './RequestStore';

/** A state change to make. */
export interface TransitionChange {
  /** Who moves it: a user ref, `publisher:<type>`, `system`, `system:expiry`. */
  actor: string;
  /** The event log's message. */
  message: string;
  /** The auditor event's message; default: `message`. */
  auditMessage?: string;
  /** States the request may be in; default: the state it was read in. */
  from?: ConnectivityRequestState[];
  /** Event data. */
  data?: NewEvent['data'];
  /** Columns changed with the state. */
  patch?: Partial<Pick<StoredRequest, 'publication' | 'rejectReason'>>;
  /**
   * Makes the change instead of the store's conditional update, for changes
   * that do more in the same transaction (recording approvals and queueing
   * the publication); resolves whether the state moved.
   */
  move?: () => Promise<boolean>;
}

/**
 * The one way a request's state changes: a conditional update in the store
 * (with its event row), an auditor event, and the request read back. Every
 * caller (the request service, the outbox, the tracker) goes through here,
 * so no state change goes unaudited.
 */
export class RequestTransitions {
  constructor(
    private readonly store: RequestStore,
    private readonly auditor: AuditorService,
  ) {}

  /**
   * Moves `request` to `to` if it is still in `change.from` (default: the
   * state it was read in). Resolves the request as it is now, with its
   * events, or undefined when someone else changed its state first.
   */
  async transition(
    request: Pick<ConnectivityRequest, 'id' | 'state'> &
      Partial<Pick<ConnectivityRequest, 'clusters'>>,
    to: ConnectivityRequestState,
    change: TransitionChange,
  ): Promise<ConnectivityRequest | undefined> {
    const moved = change.move
      ? await change.move()
      : await this.store.transition(
          request.id,
          change.from ?? [request.state],
          to,
          {
            actor: change.actor,
            type: 'state',
            message: change.message,
            ...(change.data ? { data: change.data } : {}),
          },
          change.patch,
        );
    if (!moved) return undefined;
    await auditTransition(this.auditor, {
      requestId: request.id,
      clusters: request.clusters,
      from: request.state,
      to,
      actor: change.actor,
      message: change.auditMessage ?? change.message,
    });
    return this.store.get(request.id, { events: true });
  }

  /**
   * Files a new request in its first state (`submitted`, or `approved` for a
   * removal filed by expiry), with its event and an auditor event.
   */
  async file(
    request: StoredRequest,
    event: Omit<NewEvent, 'type' | 'toState'>,
    auditMessage: string,
  ): Promise<ConnectivityRequest | undefined> {
    await this.store.create(request, {
      ...event,
      type: 'state',
      toState: request.state,
    });
    await auditTransition(this.auditor, {
      requestId: request.id,
      clusters: request.clusters,
      from: '',
      to: request.state,
      actor: event.actor,
      message: auditMessage,
    });
    return this.store.get(request.id);
  }
}
