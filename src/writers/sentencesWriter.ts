import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Field, Int32, RecordBatch, Schema, Struct, Utf8, makeData, type Data } from 'apache-arrow';
import type { Matrix } from '../math/matrix.ts';
import { float64ListData, float64ListType, int32Data, utf8Data, utf8ListData, utf8ListType } from './arrowColumns.ts';
import { ParquetStreamWriter } from './parquetStreamWriter.ts';

/** One processed sentence; per-layer arrays are indexed like the study's layers (1..L). */
export interface SentenceRecord {
  readonly id: string;
  readonly domain: string;
  readonly tokens: readonly string[];
  /** U_l per layer. */
  readonly utilisation: Float64Array;
  /** Mean anisotropy per layer. */
  readonly meanAnisotropy: Float64Array;
  /** The full [layers x tokens] fields; required when the writer was opened with `fields: true`. */
  readonly fields?: { readonly anisotropy: Matrix; readonly angle: Matrix };
}

export interface SentencesWriterOptions {
  /** Also store anisotropy and angle per (layer, token): large, so off by default. */
  readonly fields?: boolean;
  /** Rows per Parquet row group, the unit of buffering (memory holds at most one group). */
  readonly rowsPerGroup?: number;
  /**
   * Switches from one sentences.parquet to a Parquet dataset folder sentences/part-NNNNN.parquet
   * with at most this many row groups per part. A single file's footer keeps ~6 KB of metadata
   * per row group in memory until close; parts bound that too, for corpora of many millions.
   */
  readonly rowGroupsPerPart?: number;
}

export interface SentencesSummary {
  readonly rows: number;
  readonly rowGroups: number;
  /** The Parquet files written, in row order. */
  readonly files: readonly string[];
}

export const DEFAULT_ROWS_PER_GROUP = 1024;

/** Schema of sentences.parquet; with fields, anisotropy/angle are row-major [layers x tokens]. */
export function sentencesSchema(fields: boolean): Schema {
  const columns = [
    new Field('id', new Utf8(), false),
    new Field('domain', new Utf8(), false),
    new Field('tokenCount', new Int32(), false),
    new Field('tokens', utf8ListType(), false),
    new Field('utilisation', float64ListType(), false),
    new Field('meanAnisotropy', float64ListType(), false),
  ];
  if (fields) {
    columns.push(
      new Field('layers', new Int32(), false),
      new Field('anisotropy', float64ListType(), false),
      new Field('angle', float64ListType(), false),
    );
  }
  return new Schema(columns);
}

/**
 * Streams processed sentences into zstd Parquet, one row group per `rowsPerGroup` sentences,
 * so memory holds one group whatever the corpus size (see rowGroupsPerPart for the footer).
 */
export class SentencesWriter {
  /** sentences.parquet, or the sentences/ folder when writing parts. */
  readonly path: string;
  readonly #withFields: boolean;
  readonly #rowsPerGroup: number;
  readonly #rowGroupsPerPart: number | undefined;
  readonly #schema: Schema;
  #buffer: SentenceRecord[] = [];
  #current: ParquetStreamWriter | undefined;
  #groupsInCurrent = 0;
  #files: string[] = [];
  #rows = 0;
  #rowGroups = 0;

  constructor(outputDir: string, options: SentencesWriterOptions = {}) {
    const { rowGroupsPerPart } = options;
    if (rowGroupsPerPart !== undefined && !(Number.isInteger(rowGroupsPerPart) && rowGroupsPerPart >= 1)) {
      throw new RangeError(`row groups per part must be a positive integer, got ${rowGroupsPerPart}`);
    }
    this.path = path.join(outputDir, rowGroupsPerPart === undefined ? 'sentences.parquet' : 'sentences');
    this.#withFields = options.fields ?? false;
    this.#rowsPerGroup = options.rowsPerGroup ?? DEFAULT_ROWS_PER_GROUP;
    this.#rowGroupsPerPart = rowGroupsPerPart;
    this.#schema = sentencesSchema(this.#withFields);
  }

  /**
   * Buffers one sentence (by reference: do not reuse its arrays); when a row group fills,
   * resolves only after the group is handed to the encoder, which gives back-pressure.
   */
  async append(record: SentenceRecord): Promise<void> {
    this.#check(record);
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#rowsPerGroup) await this.#flush();
  }

  async close(): Promise<SentencesSummary> {
    await this.#flush();
    // An empty corpus still gets one (empty) file, so readers find the schema.
    if (this.#current === undefined && this.#files.length === 0) await this.#openNext();
    await this.#closeCurrent();
    return { rows: this.#rows, rowGroups: this.#rowGroups, files: [...this.#files] };
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    const writer = this.#current ?? (await this.#openNext());
    await writer.write(this.#batch(records));
    this.#groupsInCurrent++;
    if (this.#groupsInCurrent === this.#rowGroupsPerPart) await this.#closeCurrent();
  }

  async #openNext(): Promise<ParquetStreamWriter> {
    let file = this.path;
    if (this.#rowGroupsPerPart !== undefined) {
      // Parts left by an earlier, longer run in the same folder would silently join the dataset.
      if (this.#files.length === 0) await removeParts(this.path);
      file = path.join(this.path, `part-${String(this.#files.length).padStart(5, '0')}.parquet`);
    }
    this.#current = new ParquetStreamWriter(file, this.#schema, this.#rowsPerGroup);
    this.#groupsInCurrent = 0;
    this.#files.push(file);
    return this.#current;
  }

  async #closeCurrent(): Promise<void> {
    const writer = this.#current;
    if (writer === undefined) return;
    this.#current = undefined;
    const summary = await writer.close();
    this.#rows += summary.rows;
    this.#rowGroups += summary.rowGroups;
  }

  #batch(records: readonly SentenceRecord[]): RecordBatch {
    const children: Data[] = [
      utf8Data(records.map((r) => r.id)),
      utf8Data(records.map((r) => r.domain)),
      int32Data(records.map((r) => r.tokens.length)),
      utf8ListData(records.map((r) => r.tokens)),
      float64ListData(records.map((r) => r.utilisation)),
      float64ListData(records.map((r) => r.meanAnisotropy)),
    ];
    if (this.#withFields) {
      const fieldsOf = (r: SentenceRecord) => {
        if (r.fields === undefined) throw new Error(`sentence ${r.id}: fields missing`); // #check already rejected this
        return r.fields;
      };
      children.push(
        int32Data(records.map((r) => fieldsOf(r).anisotropy.rows)),
        float64ListData(records.map((r) => fieldsOf(r).anisotropy.data)),
        float64ListData(records.map((r) => fieldsOf(r).angle.data)),
      );
    }
    const data = makeData({ type: new Struct(this.#schema.fields), length: records.length, nullCount: 0, children });
    return new RecordBatch(this.#schema, data);
  }

  /** Rejects a malformed sentence on append, naming it, rather than failing a whole row group later. */
  #check(record: SentenceRecord): void {
    const layers = record.utilisation.length;
    if (record.meanAnisotropy.length !== layers) {
      throw new RangeError(`sentence ${record.id}: meanAnisotropy has ${record.meanAnisotropy.length} layers, utilisation has ${layers}`);
    }
    if (!this.#withFields) return;
    if (record.fields === undefined) throw new RangeError(`sentence ${record.id}: the writer stores fields, but the record has none`);
    for (const [name, matrix] of [['anisotropy', record.fields.anisotropy], ['angle', record.fields.angle]] as const) {
      if (matrix.rows !== layers || matrix.cols !== record.tokens.length || matrix.data.length !== matrix.rows * matrix.cols) {
        throw new RangeError(
          `sentence ${record.id}: ${name} is ${matrix.rows} x ${matrix.cols}, expected ${layers} layers x ${record.tokens.length} tokens`,
        );
      }
    }
  }
}

const PART_FILE = /^part-\d+\.parquet$/;

async function removeParts(folder: string): Promise<void> {
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  await Promise.all(names.filter((name) => PART_FILE.test(name)).map((name) => rm(path.join(folder, name))));
}
