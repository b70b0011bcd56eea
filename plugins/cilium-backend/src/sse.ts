import { Request, Response } from 'express';

/**
 * Turns a response into a server-sent-event stream. `write` returns false when
 * the connection's buffer is full (the caller should wait for `onDrain`).
 */
export function openEventStream(
  req: Request,
  res: Response,
  options: { heartbeatMs?: number } = {},
) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(': connected\n\n');
  const heartbeat = setInterval(
    () => res.write(': keep-alive\n\n'),
    options.heartbeatMs ?? 15000,
  );
  heartbeat.unref?.();
  const closeHandlers: Array<() => void> = [];
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    closeHandlers.forEach(h => h());
  };
  req.on('close', onClose);
  return {
    write(event: string, data: unknown): boolean {
      return res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onDrain(handler: () => void) {
      res.on('drain', handler);
    },
    onClose(handler: () => void) {
      closeHandlers.push(handler);
    },
    /** Ends the stream from the server side (close handlers run once). */
    close() {
      res.end();
      onClose();
    },
  };
}
