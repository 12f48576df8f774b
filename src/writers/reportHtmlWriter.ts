import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicFile.ts';

/** Writes a study's report.html, atomically: a reader never opens half a page. */
export class ReportHtmlWriter {
  readonly path: string;

  constructor(outputDir: string) {
    this.path = path.join(outputDir, 'report.html');
  }

  async write(html: string): Promise<string> {
    await mkdir(path.dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, html);
    return this.path;
  }
}
