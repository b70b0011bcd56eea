import { FlowRecord, FlowStreamBatch } from '@internal/plugin-cilium-common';
import { FlowSubscriber } from './FlowSubscriber';

const record = (n: number): FlowRecord => ({ flow: { uuid: `flow-${n}` } });

describe('FlowSubscriber', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('batches flows and sends at most one batch per interval', () => {
    const batches: FlowStreamBatch[] = [];
    const s = new FlowSubscriber(b => void batches.push(b), { maxQueued: 100, flushIntervalMs: 250 });
    for (let i = 0; i < 10; i++) s.offer(record(i));
    expect(batches).toHaveLength(0);
    jest.advanceTimersByTime(250);
    expect(batches).toHaveLength(1);
    expect(batches[0].flows.map(f => f.flow.uuid)).toEqual(
      Array.from({ length: 10 }, (_, i) => `flow-${i}`),
    );
    jest.advanceTimersByTime(1000);
    expect(batches).toHaveLength(1);
    s.close();
  });

  it('drops the oldest flows of a slow reader and tells it how many it lost', () => {
    const batches: FlowStreamBatch[] = [];
    let writable = false;
    const s = new FlowSubscriber(
      b => {
        batches.push(b);
        return writable;
      },
      { maxQueued: 5, flushIntervalMs: 250 },
    );
    s.offer(record(0));
    jest.advanceTimersByTime(250); // the write fills the connection's buffer
    for (let i = 1; i <= 12; i++) s.offer(record(i));
    jest.advanceTimersByTime(1000); // blocked: nothing is sent
    expect(batches).toHaveLength(1);
    writable = true;
    s.resume();
    jest.advanceTimersByTime(250);
    expect(batches).toHaveLength(2);
    expect(batches[1].flows.map(f => f.flow.uuid)).toEqual(['flow-8', 'flow-9', 'flow-10', 'flow-11', 'flow-12']);
    expect(batches[1].lost).toBe(7);
    s.close();
  });
});
