/* Parsing manifest files on worker threads, delivered in file order. */
import * as fs from 'fs';
import { Worker } from 'worker_threads';
import { parseYamlText, ParsedText } from '../parse/yaml';

/** A file to parse: where to read it, and the name diagnostics give it. */
export interface ManifestFile {
  path: string;
  name: string;
}

/**
 * Reads and parses one file. The worker threads run this; the calling thread
 * runs it too when no worker can.
 */
export function parseManifestFile(file: ManifestFile): ParsedText {
  return parseYamlText(fs.readFileSync(file.path, 'utf8'), file.name);
}

type Request = { index: number; file: ManifestFile };
type Reply =
  | { ready: true }
  | { index: number; parsed: ParsedText }
  | { index: number; error: { message: string; code?: string } };

// The worker's program. It loads this module (`workerData.module`) and answers
// one message per file. Inside this repository this module is TypeScript:
// the worker registers @backstage/cli's Node transform first, as
// bin/cilium-connect does; when that is missing the worker fails to start and
// the files are parsed on the calling thread instead.
//
// The `yaml` package's parser reads `process.env.LOG_TOKENS` for every token.
// `process.env` is a host object whose reads cost about 0.25 µs each (3 s for
// 40 MiB of YAML); the worker's own copy of the environment can be a plain
// object.
const WORKER_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
process.env = { ...process.env };
if (workerData.module.endsWith('.ts')) {
  require(require.resolve('@backstage/cli/config/nodeTransform.cjs', {
    paths: [require('node:path').dirname(workerData.module)],
  }));
}
const { parseManifestFile } = require(workerData.module);
parentPort.on('message', ({ index, file }) => {
  let reply;
  try {
    reply = { index, parsed: parseManifestFile(file) };
  } catch (e) {
    reply = { index, error: { message: String(e && e.message), code: e && e.code } };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage({ ready: true });
`;

/** How a {@link parseFilesInWorkers} run went. */
export interface ParseSummary {
  /** Worker threads that started. */
  workersStarted: number;
  /** Files parsed on the calling thread because no worker was left. */
  parsedHere: number;
}

/** Files handed to one worker ahead of its answers, so it never waits. */
const IN_FLIGHT = 2;

/** This module's file, which the worker loads; absent in an ES module build. */
function thisModule(): string | undefined {
  return typeof __filename === 'string' && __filename ? __filename : undefined;
}

/**
 * Parses `files` on up to `workerCount` worker threads and hands each result
 * to `onParsed` in file order (as soon as it and every file before it are
 * parsed), so the caller builds the same thing as a loop over the files would.
 *
 * - A file that cannot be read rejects the promise with the error reading it
 *   (message and `code`), as `fs.readFileSync` would have thrown.
 * - A worker that fails to start (no module to load, no TypeScript transform)
 *   is dropped and its files go to the others; with none left, the rest are
 *   parsed on the calling thread.
 * - A worker that dies while parsing a file (e.g. out of memory) is dropped
 *   too; that file gets an `error` diagnostic with code `yaml` naming the
 *   reason, and the other files are parsed as usual.
 */
export function parseFilesInWorkers(
  files: readonly ManifestFile[],
  workerCount: number,
  onParsed: (parsed: ParsedText, index: number) => void,
  options: {
    /** The module the workers load (it exports `parseManifestFile`); tests replace it. */
    module?: string;
  } = {},
): Promise<ParseSummary> {
  const module = options.module ?? thisModule();
  const summary: ParseSummary = { workersStarted: 0, parsedHere: 0 };
  return new Promise<ParseSummary>((resolve, reject) => {
    const results: Array<ParsedText | undefined> = new Array(files.length);
    const queue: number[] = []; // files given back by a dropped worker
    let nextFile = 0;
    let delivered = 0;
    let settled = false;
    const workers = new Map<Worker, { ready: boolean; inFlight: number[] }>();

    const takeFile = (): number | undefined => {
      if (queue.length) return queue.shift();
      return nextFile < files.length ? nextFile++ : undefined;
    };

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      const stopping = [...workers.keys()].map(w => w.terminate());
      workers.clear();
      Promise.allSettled(stopping).then(() =>
        error ? reject(error) : resolve(summary),
      );
    };

    const deliver = () => {
      try {
        while (delivered < files.length && results[delivered]) {
          const parsed = results[delivered]!;
          results[delivered] = undefined;
          onParsed(parsed, delivered++);
        }
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (delivered === files.length) finish();
    };

    const feed = (worker: Worker) => {
      const state = workers.get(worker);
      if (!state) return;
      while (state.inFlight.length < IN_FLIGHT) {
        const index = takeFile();
        if (index === undefined) return;
        state.inFlight.push(index);
        const request: Request = { index, file: files[index] };
        worker.postMessage(request);
      }
    };

    /** No worker left: parse what remains here, one file per turn of the event loop. */
    const parseHere = () => {
      if (settled) return;
      const index = takeFile();
      if (index === undefined) return;
      try {
        results[index] = parseManifestFile(files[index]);
        summary.parsedHere++;
      } catch (e) {
        finish(e as Error);
        return;
      }
      deliver();
      setTimeout(parseHere, 0);
    };

    const drop = (worker: Worker, reason: Error | undefined) => {
      const state = workers.get(worker);
      if (!state || settled) return;
      workers.delete(worker);
      worker.terminate().catch(() => undefined);
      const inFlight = state.inFlight;
      if (state.ready && inFlight.length) {
        // The worker died on the first file it was given: report that file.
        const index = inFlight.shift()!;
        results[index] = {
          documents: [],
          diagnostics: [
            {
              severity: 'error',
              code: 'yaml',
              message: `YAML: the parser stopped on this file: ${
                reason?.message ?? 'its worker thread exited'
              }`,
              file: files[index].name,
            },
          ],
        };
      }
      queue.unshift(...inFlight);
      for (const w of workers.keys()) feed(w);
      if (!workers.size) setTimeout(parseHere, 0);
      deliver();
    };

    if (!files.length) {
      finish();
      return;
    }
    const onReply = (worker: Worker, reply: Reply) => {
      const state = workers.get(worker);
      if (!state || settled) return;
      if ('ready' in reply) {
        state.ready = true;
        summary.workersStarted++;
        return;
      }
      state.inFlight = state.inFlight.filter(n => n !== reply.index);
      if ('error' in reply) {
        const e = new Error(reply.error.message) as NodeJS.ErrnoException;
        if (reply.error.code) e.code = reply.error.code;
        finish(e);
        return;
      }
      results[reply.index] = reply.parsed;
      feed(worker);
      deliver();
    };

    const start = (workerModule: string): boolean => {
      let worker: Worker;
      try {
        worker = new Worker(WORKER_PROGRAM, {
          eval: true,
          workerData: { module: workerModule },
        });
      } catch {
        return false;
      }
      workers.set(worker, { ready: false, inFlight: [] });
      worker.on('message', (reply: Reply) => onReply(worker, reply));
      worker.on('error', e => drop(worker, e));
      worker.on('exit', code =>
        drop(worker, new Error(`its worker thread exited with code ${code}`)),
      );
      feed(worker);
      return true;
    };

    const count = module ? Math.min(workerCount, files.length) : 0;
    for (let n = 0; n < count; n++) if (!start(module!)) break;
    if (!workers.size) setTimeout(parseHere, 0);
  });
}
