import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Schema } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { ParquetStreamWriter } from './parquetStreamWriter.ts';

/**
 * Joins Parquet files of one schema into one file, a part at a time, so memory holds one part
 * (a study's segment), never the whole corpus. Row groups are re-cut to `rowsPerGroup`.
 */
export async function concatParquetFiles(inputs: readonly string[], output: string, schema: Schema, rowsPerGroup: number): Promise<number> {
  const writer = new ParquetStreamWriter(output, schema, rowsPerGroup);
  let rows = 0;
  for (const input of inputs) {
    const table = tableFromIPC(readParquet(await readFile(input)).intoIPCStream());
    for (let start = 0; start < table.numRows; start += rowsPerGroup) {
      const slice = table.slice(start, Math.min(start + rowsPerGroup, table.numRows));
      for (const batch of slice.batches) {
        if (batch.numRows > 0) await writer.write(batch);
      }
    }
    rows += table.numRows;
  }
  await writer.close();
  return rows;
}
