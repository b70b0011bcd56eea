/** Writing the CLI's output in pieces, with back-pressure. */

/**
 * Writes one piece of output. A returned promise means "wait before writing
 * more" (the destination's buffer is full); it rejects when the destination
 * failed.
 *
 * @public
 */
export type CliWrite = (text: string) => void | Promise<void>;

/** About how many characters the CLI hands to one write (64 Ki). */
export const WRITE_BATCH_CHARS = 65536;

/**
 * Joins `chunks` into writes of about `batchChars` characters and waits for
 * each write that asks to (back-pressure). Chunks are read lazily: a generator
 * producing the output runs only as fast as the destination takes it.
 */
export async function writeChunks(
  write: CliWrite,
  chunks: Iterable<string>,
  batchChars: number = WRITE_BATCH_CHARS,
): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  for (const chunk of chunks) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= batchChars) {
      const text = batch.join('');
      batch = [];
      size = 0;
      await write(text);
    }
  }
  if (size) await write(batch.join(''));
}

/** The destination of the output closed or failed while the CLI was writing. */
export class OutputError extends Error {}

/**
 * A {@link CliWrite} for a Node.js writable stream (e.g. `process.stdout`):
 * when `write()` returns false (the stream's buffer is over its high-water
 * mark) the returned promise resolves on `'drain'`, so the CLI never buffers
 * more than about one batch in memory. A stream error or close rejects it.
 *
 * @public
 */
export function streamWriter(stream: NodeJS.WritableStream): CliWrite {
  let failure: Error | undefined;
  // Keep the error (e.g. EPIPE when the reader went away) instead of letting
  // an unhandled 'error' event end the process.
  stream.on('error', (e: Error) => {
    failure = failure ?? e;
  });
  const failed = (e: Error) =>
    new OutputError(`cannot write the output: ${e.message}`);
  return text => {
    if (failure) return Promise.reject(failed(failure));
    if (stream.write(text)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const listeners: Array<[string, (e?: Error) => void]> = [];
      const done = (e?: Error) => {
        for (const [event, fn] of listeners) stream.removeListener(event, fn);
        if (e) reject(failed(e));
        else resolve();
      };
      listeners.push(
        ['drain', () => done()],
        ['error', (e?: Error) => done(e ?? new Error('write failed'))],
        ['close', () => done(failure ?? new Error('the output was closed'))],
      );
      for (const [event, fn] of listeners) stream.on(event, fn);
    });
  };
}
