import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { RecordBatch, Table, type Schema } from 'apache-arrow';
import { ParquetFile, transformParquetStream, type RecordBatch as WasmRecordBatch } from 'parquet-wasm';
import { EnvironmentError } from '../environmentError.ts';
import { temporaryName } from './atomicFile.ts';
import { encodeParquet, toWasmTable, zstdWriterProperties } from './parquetEncoding.ts';
import { ensureFolder, writeFailure } from './writeFailure.ts';

export interface ParquetStreamSummary {
  readonly rows: number;
  readonly rowGroups: number;
}

/**
 * Streams Arrow record batches into one zstd Parquet file, a row group at a time.
 *
 * parquet-wasm's `transformParquetStream` wraps the Rust AsyncArrowWriter: it encodes each
 * row group as it fills and hands the bytes on, so only the current row group sits in memory.
 * Two quirks shape this class: the call does not resolve until the first batch arrives (so the
 * pipeline starts on the first write), and write errors inside it are swallowed (so close()
 * re-reads the footer and checks the row count). The file is built under a temporary name and
 * renamed on close, so a crash never leaves a footer-less file under the real name.
 */
export class ParquetStreamWriter {
  readonly #path: string;
  readonly #temporaryPath: string;
  readonly #schema: Schema;
  readonly #rowsPerGroup: number;
  #input: ReadableStreamDefaultController<WasmRecordBatch> | undefined;
  #output: Promise<void> | undefined;
  #failure: unknown;
  #wakeWriter: (() => void) | undefined;
  #rows = 0;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(filePath: string, schema: Schema, rowsPerGroup: number) {
    if (!Number.isInteger(rowsPerGroup) || rowsPerGroup < 1) throw new RangeError(`rows per group must be a positive integer, got ${rowsPerGroup}`);
    this.#path = filePath;
    this.#temporaryPath = temporaryName(filePath);
    this.#schema = schema;
    this.#rowsPerGroup = rowsPerGroup;
  }

  /** Writes one batch (at most rowsPerGroup rows: one batch = one row group); resolves when the pipeline can take more. */
  async write(batch: RecordBatch): Promise<void> {
    if (this.#closed) throw new Error(`parquet writer for ${this.#path} is closed`);
    if (batch.numRows > this.#rowsPerGroup) throw new RangeError(`batch of ${batch.numRows} rows exceeds ${this.#rowsPerGroup} rows per group`);
    if (!sameColumns(batch.schema, this.#schema)) throw new TypeError(`batch schema does not match the schema of ${this.#path}`);
    // Writes queue up behind each other so calls that were not awaited still land in call order.
    const turn = this.#queue.then(() => this.#writeNow(batch));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<ParquetStreamSummary> {
    if (this.#closed) throw new Error(`parquet writer for ${this.#path} is already closed`);
    this.#closed = true;
    await this.#queue;
    try {
      if (this.#input === undefined) {
        // No batch ever came: the stream API cannot start without one, so encode the empty table.
        await mkdir(path.dirname(this.#path), { recursive: true });
        await writeFile(this.#temporaryPath, encodeParquet(new Table(this.#schema)));
      } else {
        this.#input.close();
        await this.#output;
        this.#throwIfFailed();
      }
      const written = await readFooterCounts(this.#temporaryPath);
      if (written.rows !== this.#rows) {
        throw new Error(`parquet writer lost rows: ${this.#rows} written, ${written.rows} in the footer of ${this.#temporaryPath}`);
      }
      await rename(this.#temporaryPath, this.#path);
      return written;
    } catch (error) {
      await rm(this.#temporaryPath, { force: true }).catch(() => undefined);
      throw writeFailure(this.#path, error);
    }
  }

  async #writeNow(batch: RecordBatch): Promise<void> {
    this.#throwIfFailed();
    if (batch.numRows === 0) return;
    const wasmBatches = toWasmBatches(batch);
    if (this.#input === undefined) await this.#start(wasmBatches);
    else {
      for (const wasmBatch of wasmBatches) {
        await this.#waitForDemand();
        this.#input.enqueue(wasmBatch);
      }
    }
    this.#rows += batch.numRows;
    this.#throwIfFailed();
  }

  async #start(first: WasmRecordBatch[]): Promise<void> {
    await ensureFolder(path.dirname(this.#path));
    const input = new ReadableStream<WasmRecordBatch>(
      {
        start: (controller) => {
          this.#input = controller;
        },
        pull: () => this.#wake(),
      },
      { highWaterMark: 1 },
    );
    for (const wasmBatch of first) this.#input?.enqueue(wasmBatch);
    let encoded: ReadableStream;
    try {
      encoded = await transformParquetStream(input, zstdWriterProperties(this.#rowsPerGroup));
    } catch (error) {
      this.#failure = error;
      throw error;
    }
    this.#output = encoded.pipeTo(Writable.toWeb(createWriteStream(this.#temporaryPath))).catch((error: unknown) => {
      this.#failure = error;
      this.#wake();
      throw error;
    });
    // Observed through #failure and close(); keep Node from reporting it as unhandled meanwhile.
    this.#output.catch(() => undefined);
  }

  async #waitForDemand(): Promise<void> {
    while (this.#input !== undefined && (this.#input.desiredSize ?? 0) <= 0) {
      this.#throwIfFailed();
      await new Promise<void>((resolve) => {
        this.#wakeWriter = resolve;
      });
    }
    this.#throwIfFailed();
  }

  #wake(): void {
    const wake = this.#wakeWriter;
    this.#wakeWriter = undefined;
    wake?.();
  }

  #throwIfFailed(): void {
    if (this.#failure === undefined) return;
    // The OS refusing the write (disk full, ...) becomes a one-line message naming the output file.
    const failure = writeFailure(this.#path, this.#failure);
    throw failure instanceof EnvironmentError ? failure : new Error(`writing ${this.#temporaryPath} failed`, { cause: this.#failure });
  }
}

function sameColumns(a: Schema, b: Schema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((field, i) => {
      const other = b.fields[i];
      return field.name === other.name && field.nullable === other.nullable && String(field.type) === String(other.type);
    })
  );
}

function toWasmBatches(batch: RecordBatch): WasmRecordBatch[] {
  const table = toWasmTable(new Table([batch]));
  try {
    return table.recordBatches();
  } finally {
    table.free();
  }
}

async function readFooterCounts(filePath: string): Promise<ParquetStreamSummary> {
  const file = await ParquetFile.fromFile(await openAsBlob(filePath));
  try {
    const metadata = file.metadata();
    return { rows: metadata.fileMetadata().numRows(), rowGroups: metadata.numRowGroups() };
  } finally {
    file.free();
  }
}
