import path from 'node:path';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC } from 'apache-arrow';
import { stringify } from 'csv-stringify/sync';
import type { LayerStatsRow } from '../stats/layerStatsAccumulator.ts';
import { int32Data, int64Data, nullableFloat64Data, utf8Data } from './arrowColumns.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { ensureFolder } from './writeFailure.ts';
import { encodeParquet } from './parquetEncoding.ts';

type StatisticColumn = Exclude<keyof LayerStatsRow, 'domain' | 'layer' | 'n'>;

/** Statistic columns in output order; true = may be null (undefined below two sentences). */
const STATISTIC_COLUMNS: readonly (readonly [StatisticColumn, boolean])[] = [
  ['utilisationMean', false],
  ['utilisationSd', true],
  ['utilisationSe', true],
  ['utilisationCiLow', true],
  ['utilisationCiHigh', true],
  ['anisotropyMean', false],
  ['anisotropySd', true],
  ['blockInfluenceMean', false],
  ['blockInfluenceSd', true],
  ['angularDistanceMean', false],
  ['angularDistanceSd', true],
];

/** Column layout shared by layer_stats.parquet, .arrow and .csv. */
export const layerStatsSchema = new Schema([
  new Field('domain', new Utf8(), false),
  new Field('layer', new Int32(), false),
  new Field('n', new Int64(), false),
  ...STATISTIC_COLUMNS.map(([name, nullable]) => new Field(name, new Float64(), nullable)),
]);

export interface LayerStatsFiles {
  readonly parquet: string;
  readonly arrow: string;
  readonly csv: string;
}

/** Writes the per-(domain, layer) statistics as layer_stats.{parquet,arrow,csv} in one directory. */
export class LayerStatsWriter {
  constructor(readonly outputDir: string) {}

  async write(rows: readonly LayerStatsRow[]): Promise<LayerStatsFiles> {
    await ensureFolder(this.outputDir);
    const table = layerStatsTable(rows);
    const files: LayerStatsFiles = {
      parquet: path.join(this.outputDir, 'layer_stats.parquet'),
      arrow: path.join(this.outputDir, 'layer_stats.arrow'),
      csv: path.join(this.outputDir, 'layer_stats.csv'),
    };
    await writeFileAtomic(files.parquet, encodeParquet(table));
    await writeFileAtomic(files.arrow, tableToIPC(table, 'file'));
    await writeFileAtomic(files.csv, layerStatsCsv(rows));
    return files;
  }
}

function layerStatsTable(rows: readonly LayerStatsRow[]): Table {
  const children = [
    utf8Data(rows.map((r) => r.domain)),
    int32Data(rows.map((r) => r.layer)),
    int64Data(rows.map((r) => r.n)),
    ...STATISTIC_COLUMNS.map(([name]) => nullableFloat64Data(rows.map((r) => r[name]))),
  ];
  const data = makeData({ type: new Struct(layerStatsSchema.fields), length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(layerStatsSchema, data)]);
}

function layerStatsCsv(rows: readonly LayerStatsRow[]): string {
  // Null statistics become empty cells, which spreadsheet and dataframe readers treat as missing.
  return stringify(rows.map((row) => ({ ...row })), { header: true, columns: layerStatsSchema.fields.map((f) => f.name) });
}
