import {
  FlowRecord,
  FlowStreamBatch,
} from '@cilium-zero-trust/plugin-cilium-common';
import { FlowSubscriber } from './FlowSubscriber';

const record = (n: number): FlowRecord => ({ flow: { uuid: `flow-${n}` } });
const uuids = (b: FlowStreamBatch) => b.flows.map(f => f.flow.uuid);

describe('FlowSubscriber', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A subscriber on the fake clock, with the times (fake ms) of its batches. */
  function subscriber(
    options: { maxQueued?: number; writable?: () => boolean } = {},
  ) {
    const batches: FlowStreamBatch[] = [];
    const sentAt: number[] = [];
    const s = new FlowSubscriber(
      b => {
        batches.push(b);
        sentAt.push(Date.now());
        return options.writable ? options.writable() : true;
      },
      {
        maxQueued: options.maxQueued ?? 100,
        flushIntervalMs: 250,
        now: () => Date.now(),
      },
    );
    return { s, batches, sentAt };
  }

  it('sends a flow that arrives after a quiet spell at once, then batches the rest', () => {
    const { s, batches, sentAt } = subscriber();
    s.offer(record(0));
    jest.advanceTimersByTime(1);
    expect(batches.map(uuids)).toEqual([['flow-0']]);
    // Each batch says when it was sent (wall clock), for clients and the latency benchmark.
    expect(batches[0].sentAt).toBe(new Date(sentAt[0]).toISOString());
    for (let i = 1; i <= 10; i++) s.offer(record(i));
    jest.advanceTimersByTime(248);
    expect(batches).toHaveLength(1); // not before 250 ms after the previous batch
    jest.advanceTimersByTime(2);
    expect(batches).toHaveLength(2);
    expect(uuids(batches[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => `flow-${i + 1}`),
    );
    jest.advanceTimersByTime(1000);
    expect(batches).toHaveLength(2); // nothing to say, nothing sent
    s.close();
  });

  it('under steady traffic sends exactly every 250 ms: at most 4 batches a second, without drift', () => {
    const { s, sentAt } = subscriber({ maxQueued: 10000 });
    let n = 0;
    // a flow every 3 ms for 10 s
    for (let t = 0; t < 10000; t += 3) {
      s.offer(record(n++));
      jest.advanceTimersByTime(3);
    }
    jest.advanceTimersByTime(250);
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(253);
    for (let i = 4; i < sentAt.length; i++)
      expect(sentAt[i] - sentAt[i - 4]).toBeGreaterThanOrEqual(1000);
    expect(sentAt.length).toBeGreaterThanOrEqual(40);
    s.close();
  });

  it('never sends two batches less than 250 ms apart, even when its timer fires early', () => {
    let clock = 0;
    const batches: number[] = [];
    const s = new FlowSubscriber(() => void batches.push(clock), {
      maxQueued: 100,
      flushIntervalMs: 250,
      now: () => clock,
    });
    s.offer(record(0)); // sent at clock 0
    jest.advanceTimersByTime(1);
    s.offer(record(1));
    clock = 249.5; // the timer (whole ms) fires while the monotonic clock says 249.5
    jest.advanceTimersByTime(250);
    expect(batches).toEqual([0]);
    clock = 250;
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([0, 250]);
    s.close();
  });

  it('runs no timer while it has nothing to send', () => {
    const { s } = subscriber();
    expect(jest.getTimerCount()).toBe(0);
    s.offer(record(0));
    jest.advanceTimersByTime(300);
    expect(jest.getTimerCount()).toBe(0);
    s.close();
  });

  it('drops the oldest flows of a slow reader and tells it how many it lost', () => {
    let writable = false;
    const { s, batches } = subscriber({
      maxQueued: 5,
      writable: () => writable,
    });
    s.offer(record(0));
    jest.advanceTimersByTime(250); // the write fills the connection's buffer
    for (let i = 1; i <= 12; i++) s.offer(record(i));
    jest.advanceTimersByTime(1000); // blocked: nothing is sent
    expect(batches).toHaveLength(1);
    writable = true;
    s.resume();
    jest.advanceTimersByTime(250);
    expect(batches).toHaveLength(2);
    expect(uuids(batches[1])).toEqual([
      'flow-8',
      'flow-9',
      'flow-10',
      'flow-11',
      'flow-12',
    ]);
    expect(batches[1].lost).toBe(7);
    s.close();
  });

  it('sends nothing after close', () => {
    const { s, batches } = subscriber();
    s.offer(record(0));
    s.close();
    s.offer(record(1));
    jest.advanceTimersByTime(1000);
    expect(batches).toHaveLength(0);
  });
});
