import { tableToIPC, type Table as ArrowTable } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet, type WriterProperties } from 'parquet-wasm';

/** Every Parquet output of DONALD-D is zstd-compressed. */
export function zstdWriterProperties(rowsPerGroup?: number): WriterProperties {
  let builder = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setCreatedBy('donald-d');
  if (rowsPerGroup !== undefined) builder = builder.setMaxRowGroupSize(rowsPerGroup);
  return builder.build();
}

/** Moves an apache-arrow table into parquet-wasm's memory (via the IPC stream format). */
export function toWasmTable(table: ArrowTable): WasmTable {
  return WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
}

/** Encodes a whole (small) table as one zstd Parquet file in memory. */
export function encodeParquet(table: ArrowTable): Uint8Array {
  return writeParquet(toWasmTable(table), zstdWriterProperties());
}
