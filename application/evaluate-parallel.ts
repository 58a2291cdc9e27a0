// The parallel evaluator. The main thread only splits the file into lines (as bytes, never parsing
// them) and routes each line to the partition its tenant id hashes to; every partition parses and
// validates its own lines once, folds its pairs with the domain's evaluatePair and serializes them;
// the main thread merges the partitions' sorted outputs. The output is the single-threaded
// evaluateLines's, byte for byte (test/evaluate-cli.unit.test.ts).
import { closeSync, openSync, readSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { comparePairStreams } from "../domain/fold.ts";
import {
  FoldPartition,
  type FromPartition,
  type IntakeResult,
  type LineBatch,
  partitionOf,
  partitionOfHash,
  type StateBatch,
  type ToPartition,
} from "./evaluate-partition.ts";

export interface ParallelOptions {
  readonly file: string;
  readonly asOf: string;
  /** Partitions: the first folds in this thread, each other in a worker thread running `workerUrl`. */
  readonly partitions: number;
  /** A module that calls runPartitionWorker() when isPartitionWorker() (the evaluate script itself). */
  readonly workerUrl: URL;
  readonly onBadLines: (report: string[]) => void;
  /** Receives the JSON array in pieces of UTF-8 (each its own buffer); may return a promise to ask for a pause. */
  readonly write: (chunk: Uint8Array) => unknown;
}

const CHUNK = 4 * 1024 * 1024;
const BATCH = 1024 * 1024;
const IN_FLIGHT = 16; // 1 MB batches a worker may have queued: the main thread rarely waits, memory stays bounded

/** Where each partition's lines go, and what comes back. */
interface PartitionLink {
  send(batch: LineBatch): Promise<void>;
  endIntake(): Promise<IntakeResult>;
  fold(strays: (readonly [number, string])[]): AsyncIterable<StateBatch>;
  close(): void;
}

export async function evaluateInParallel(options: ParallelOptions): Promise<void> {
  const { partitions: count } = options;
  const links = Array.from({ length: count }, (_, i) =>
    // Partition 0 folds in this thread, between routing the others' lines: threads = cores.
    i === 0 ? inThread(options.asOf, count) : inWorker(options, i, count),
  );
  try {
    await routeLines(options.file, count, links);
    const intakes = await Promise.all(links.map((l) => l.endIntake()));
    const bad = intakes.flatMap((r) => r.bad).sort((a, b) => a[0] - b[0]);
    if (bad.length > 0) {
      options.onBadLines(bad.flatMap(([, report]) => report));
      return;
    }
    const strays = links.map(() => [] as (readonly [number, string])[]);
    for (const r of intakes) for (const [to, n, line] of r.strays) strays[to]!.push([n, line]);
    await writeMerged(
      links.map((l, i) => l.fold(strays[i]!)),
      options.write,
    );
  } finally {
    for (const l of links) l.close();
  }
}

/** Splits the file into lines as readline does (\n, \r\n or a lone \r) and batches them per partition. */
async function routeLines(file: string, count: number, links: PartitionLink[]): Promise<void> {
  const batches = links.map(() => new BatchBuilder());
  const flush = async (p: number) => {
    const batch = batches[p]!.take();
    if (batch) await links[p]!.send(batch);
  };
  const fd = openSync(file, "r");
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let carry = 0; // bytes of an unfinished line at the start of buf
    let lineNumber = 0;
    let roundRobin = 0;
    for (;;) {
      if (carry === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const read = readSync(fd, buf, carry, buf.length - carry, null);
      const eof = read === 0;
      const view = buf.subarray(0, carry + read);
      const scanner = new LineScanner(view, eof, count);
      for (let line = scanner.next(); line !== undefined; line = scanner.next()) {
        lineNumber++;
        const hint = count === 1 ? 0 : scanner.partitionHint(line.start, line.end);
        const p = hint >= 0 ? hint : roundRobin++ % count;
        if (batches[p]!.add(view, line.start, line.end, lineNumber)) await flush(p);
      }
      if (eof) break;
      carry = view.length - scanner.rest;
      view.copy(buf, 0, scanner.rest, view.length);
    }
  } finally {
    closeSync(fd);
  }
  for (let p = 0; p < count; p++) await flush(p);
}

const LF = 10;
const CR = 13;
const TENANT_KEY = Buffer.from('"tenantid"');

/** Finds lines in a chunk; the positions of the next LF, CR and tenant key are cached, so a scan is linear. */
class LineScanner {
  rest = 0; // start of the first line not yet returned
  private lf = -1;
  private cr = -1;
  private key = -1;
  private noLf = false;
  private noCr = false;
  private noKey = false;
  private readonly line = { start: 0, end: 0 };

  constructor(
    private readonly view: Buffer,
    private readonly eof: boolean,
    private readonly count: number,
  ) {}

  next(): { start: number; end: number } | undefined {
    const { view } = this;
    const pos = this.rest;
    if (pos >= view.length) return undefined;
    if (!this.noLf && this.lf < pos) {
      this.lf = view.indexOf(LF, pos);
      this.noLf = this.lf === -1;
    }
    if (!this.noCr && this.cr < pos) {
      this.cr = view.indexOf(CR, pos);
      this.noCr = this.cr === -1;
    }
    let end: number;
    let next: number;
    if (!this.noCr && (this.lf === -1 || this.cr < this.lf)) {
      // A CR as the chunk's last byte may be the first half of a CRLF: wait for the next chunk.
      if (this.cr === view.length - 1 && !this.eof) return undefined;
      end = this.cr;
      next = view[end + 1] === LF ? end + 2 : end + 1;
    } else if (this.lf !== -1) {
      end = this.lf;
      next = end + 1;
    } else if (this.eof) {
      end = view.length;
      next = end;
    } else return undefined;
    this.rest = next;
    this.line.start = pos;
    this.line.end = end;
    return this.line;
  }

  /**
   * The partition of the tenant id a line's `"tenantid"` key names, read from the bytes without
   * parsing (-1 when there is none or it is escaped). Only a hint: the partition checks it after parsing and
   * sends any line it was wrong about to its owner.
   */
  partitionHint(start: number, end: number): number {
    const { view } = this;
    if (this.noKey) return -1;
    if (this.key < start) {
      this.key = view.indexOf(TENANT_KEY, start);
      this.noKey = this.key === -1;
    }
    if (this.noKey || this.key >= end) return -1;
    let i = this.key + TENANT_KEY.length;
    while (i < end && (view[i] === 32 || view[i] === 9)) i++;
    if (view[i++] !== 58) return -1; // ':'
    while (i < end && (view[i] === 32 || view[i] === 9)) i++;
    if (view[i++] !== 34) return -1; // '"'
    let h = 0x811c9dc5;
    for (; i < end; i++) {
      let c = view[i]!;
      if (c === 34) return partitionOfHash(h, this.count);
      if (c === 92 || c >= 128) return -1; // an escape or non-ASCII: leave it to the parser
      if (c >= 65 && c <= 90) c += 32;
      h ^= c;
      h = Math.imul(h, 0x01000193);
    }
    return -1;
  }
}

/** Accumulates lines for one partition; add() says when the batch is full. */
class BatchBuilder {
  private bytes = new Uint8Array(BATCH);
  private length = 0;
  private lineNumbers: number[] = [];

  add(source: Buffer, start: number, end: number, lineNumber: number): boolean {
    const size = end - start + 1;
    if (this.length + size > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + size));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    source.copy(this.bytes, this.length, start, end); // no view object per line
    this.length += size;
    this.bytes[this.length - 1] = LF;
    this.lineNumbers.push(lineNumber);
    return this.length >= BATCH;
  }

  take(): LineBatch | undefined {
    if (this.lineNumbers.length === 0) return undefined;
    const batch = {
      bytes: this.bytes.buffer as ArrayBuffer,
      length: this.length,
      lineNumbers: Int32Array.from(this.lineNumbers),
    };
    this.bytes = new Uint8Array(BATCH);
    this.length = 0;
    this.lineNumbers = [];
    return batch;
  }
}

const OPEN = Buffer.from("[\n");
const SEPARATOR = Buffer.from(",\n");
const CLOSE = Buffer.from("\n]\n");
const EMPTY = Buffer.from("[]\n");
const OUT = 1024 * 1024;

/** Merges the partitions' sorted outputs into one JSON array, written in pieces of about 1 MB. */
async function writeMerged(sources: AsyncIterable<StateBatch>[], write: (chunk: Uint8Array) => unknown) {
  const cursors = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: ({ batch: StateBatch; i: number } | undefined)[] = [];
  const advance = async (k: number) => {
    const h = heads[k];
    if (h && ++h.i < h.batch.ends.length) return;
    const r = await cursors[k]!.next();
    heads[k] = r.done ? undefined : { batch: r.value, i: 0 };
  };
  for (let k = 0; k < cursors.length; k++) {
    heads[k] = undefined;
    await advance(k);
  }
  let out = Buffer.allocUnsafe(OUT);
  let length = 0;
  const append = async (bytes: Uint8Array) => {
    if (length + bytes.length > out.length) {
      if (length > 0) await write(out.subarray(0, length));
      out = Buffer.allocUnsafe(Math.max(OUT, bytes.length)); // a new buffer: write may keep the old one
      length = 0;
    }
    out.set(bytes, length);
    length += bytes.length;
  };
  let first = true;
  for (;;) {
    let min = -1;
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k];
      if (!h) continue;
      const m = heads[min];
      if (!m || comparePairStreams(h.batch.streamIds[h.i]!, m.batch.streamIds[m.i]!) < 0) min = k;
    }
    if (min === -1) break;
    const { batch, i } = heads[min]!;
    await append(first ? OPEN : SEPARATOR);
    first = false;
    await append(batch.bytes.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i]));
    await advance(min);
  }
  await append(first ? EMPTY : CLOSE);
  await write(out.subarray(0, length));
}

/** Partition 0, folded in this thread. */
function inThread(asOf: string, count: number): PartitionLink {
  const partition = new FoldPartition(0, count);
  return {
    send: async (batch) => partition.takeBatch(batch),
    endIntake: async () => partition.endIntake(),
    fold(strays) {
      partition.takeStrays(strays);
      return foldAhead(partition.stateBatches(asOf));
    },
    close() {},
  };
}

/**
 * Runs this thread's fold ahead of the merge, a batch per turn of the event loop, so the thread
 * keeps folding while the merge waits for a worker's next batch.
 */
async function* foldAhead(batches: Iterator<StateBatch>): AsyncGenerator<StateBatch> {
  const ready: StateBatch[] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const produce = () => {
    try {
      const r = batches.next();
      if (r.done) done = true;
      else {
        ready.push(r.value);
        setImmediate(produce);
      }
    } catch (error) {
      failure = error;
      done = true;
    }
    wake?.();
  };
  setImmediate(produce);
  for (;;) {
    if (ready.length > 0) yield ready.shift()!;
    else if (failure !== undefined) throw failure;
    else if (done) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** A partition folded in a worker thread; messages arrive in order, so one queue serves each phase. */
function inWorker(options: ParallelOptions, index: number, count: number): PartitionLink {
  const worker = new Worker(options.workerUrl, {
    workerData: { role: "evaluate-partition", index, count, asOf: options.asOf },
  });
  const queue: FromPartition[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let inFlight = 0;
  worker.on("message", (m: FromPartition) => {
    if (m.type === "ack") inFlight--;
    else queue.push(m);
    wake?.();
  });
  const fail = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`evaluate partition ${index} exited (${code})`)));
  const until = async (ready: () => boolean) => {
    while (!ready()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  };
  const post = (m: ToPartition, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);
  const nextMessage = async () => {
    await until(() => queue.length > 0);
    return queue.shift()!;
  };
  return {
    async send(batch) {
      await until(() => inFlight < IN_FLIGHT);
      inFlight++;
      post({ type: "batch", batch }, [batch.bytes, batch.lineNumbers.buffer as ArrayBuffer]);
    },
    async endIntake() {
      post({ type: "end" });
      const m = await nextMessage();
      if (m.type !== "intake") throw new Error(`partition ${index}: expected its intake, got ${m.type}`);
      return m;
    },
    async *fold(strays) {
      post({ type: "fold", strays });
      for (;;) {
        const m = await nextMessage();
        if (m.type === "done") return;
        if (m.type !== "states") throw new Error(`partition ${index}: expected states, got ${m.type}`);
        yield m;
      }
    },
    close() {
      worker.removeAllListeners("exit");
      void worker.terminate();
    },
  };
}

/** How many partitions: one per core (at most 4), one for small files where a worker's start-up dominates. */
export function partitionsFor(fileBytes: number, cores: number, override?: string): number {
  if (override !== undefined && /^\d+$/.test(override) && Number(override) > 0) return Number(override);
  if (fileBytes < 2 * 1024 * 1024) return 1;
  return Math.max(1, Math.min(4, cores));
}

export { partitionOf };
