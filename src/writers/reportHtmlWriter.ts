import path from 'node:path';
import { writeFileAtomic } from './atomicFile.ts';
import { ensureFolder } from './writeFailure.ts';

/** Writes a study's report.html, atomically: a reader never opens half a page. */
export class ReportHtmlWriter {
  readonly path: string;

  constructor(outputDir: string) {
    this.path = path.join(outputDir, 'report.html');
  }

  async write(html: string): Promise<string> {
    // ensureFolder turns an OS refusal into the one-line exit-3 message the other writers give.
    await ensureFolder(path.dirname(this.path));
    await writeFileAtomic(this.path, html);
    return this.path;
  }
}
