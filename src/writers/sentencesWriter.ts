import path from 'node:path';
import { Field, Int32, RecordBatch, Schema, Struct, Utf8, makeData, type Data } from 'apache-arrow';
import type { Matrix } from '../math/matrix.ts';
import { float64ListData, float64ListType, int32Data, utf8Data, utf8ListData, utf8ListType } from './arrowColumns.ts';
import { ParquetStreamWriter, type ParquetStreamSummary } from './parquetStreamWriter.ts';

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
  /** Rows per Parquet row group, the unit of buffering (memory is bounded by one group). */
  readonly rowsPerGroup?: number;
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
 * Streams processed sentences into sentences.parquet (zstd), one row group per `rowsPerGroup`
 * sentences: memory holds at most one group, whatever the corpus size.
 */
export class SentencesWriter {
  readonly path: string;
  readonly #withFields: boolean;
  readonly #rowsPerGroup: number;
  readonly #schema: Schema;
  readonly #parquet: ParquetStreamWriter;
  #buffer: SentenceRecord[] = [];

  constructor(outputDir: string, options: SentencesWriterOptions = {}) {
    this.path = path.join(outputDir, 'sentences.parquet');
    this.#withFields = options.fields ?? false;
    this.#rowsPerGroup = options.rowsPerGroup ?? DEFAULT_ROWS_PER_GROUP;
    this.#schema = sentencesSchema(this.#withFields);
    this.#parquet = new ParquetStreamWriter(this.path, this.#schema, this.#rowsPerGroup);
  }

  /** Buffers one sentence; when a row group fills, resolves only after it is handed to the encoder (back-pressure). */
  async append(record: SentenceRecord): Promise<void> {
    this.#check(record);
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#rowsPerGroup) await this.#flush();
  }

  async close(): Promise<ParquetStreamSummary> {
    await this.#flush();
    return this.#parquet.close();
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    await this.#parquet.write(this.#batch(records));
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
