import path from 'node:path';
import { writeFileAtomic } from './atomicFile.ts';
import { ensureFolder } from './writeFailure.ts';

export { sha256File } from './sha256File.ts';

export interface SentenceCounts {
  /** Lines read from the corpus files. */
  readonly read: number;
  readonly processed: number;
  readonly failed: number;
  readonly duplicate: number;
  readonly empty: number;
}

/** Provenance and throughput of one study run, written as manifest.json. */
/** JSON-safe data (the resolved study as loaded). */
export type ManifestJson = string | number | boolean | null | readonly ManifestJson[] | { readonly [key: string]: ManifestJson };

export interface StudyManifest {
  /** The resolved study (every default filled, absolute paths) and the hash of what decides its numbers. */
  readonly study: { readonly [key: string]: ManifestJson };
  readonly studyHash: string;
  readonly model: {
    readonly dir: string;
    readonly onnxFile: string;
    /** Hex SHA-256 of the ONNX file (see sha256File). */
    readonly sha256: string;
  };
  /** Package name -> version of the libraries that shaped the numbers (e.g. onnxruntime-node). */
  readonly packageVersions: Readonly<Record<string, string>>;
  readonly counts: SentenceCounts;
  /** ISO 8601 timestamps. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly sentencesPerSecond: number;
  /** How the study ran, e.g. single-process `run` or distributed via the queue. */
  readonly mode: 'embedded' | 'distributed' | 'scheduled';
  /** Model warnings a reader must see, e.g. random demo weights. */
  readonly notes: readonly string[];
}

/** Writes manifest.json (pretty-printed, keys in the StudyManifest order). */
export class ManifestWriter {
  readonly path: string;

  constructor(outputDir: string) {
    this.path = path.join(outputDir, 'manifest.json');
  }

  async write(manifest: StudyManifest): Promise<string> {
    await ensureFolder(path.dirname(this.path));
    await writeFileAtomic(this.path, `${JSON.stringify(manifest, null, 2)}\n`);
    return this.path;
  }
}
