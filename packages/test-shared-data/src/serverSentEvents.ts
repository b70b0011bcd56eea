/**
 * Reads a server-sent-event response as it arrives (the backend's live flow
 * stream): calls `onEvent` with each complete event's name and its `data:`
 * line, parsed as JSON.
 */
export function onServerSentEvents(
  res: NodeJS.ReadableStream,
  onEvent: (event: string | undefined, data: any) => void,
): void {
  let buffer = '';
  res.on('data', (chunk: Buffer | string) => {
    buffer += chunk.toString();
    for (
      let idx = buffer.indexOf('\n\n');
      idx >= 0;
      idx = buffer.indexOf('\n\n')
    ) {
      const lines = buffer.slice(0, idx).split('\n');
      buffer = buffer.slice(idx + 2);
      const data = lines.find(l => l.startsWith('data: '));
      const event = lines.find(l => l.startsWith('event: '))?.slice(7);
      if (data) onEvent(event, JSON.parse(data.slice(6)));
    }
  });
}
