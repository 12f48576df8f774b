import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { studyChildReportSchema, type StudyChildReport } from './studyChildReport.ts';

const CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studyChild.ts');

/**
 * Runs one study in a fresh Node process (studyChild.ts) and returns what it measured.
 * --expose-gc lets the child take settled (post-GC) samples and measure the heap a run leaves
 * behind; tsx is resolved from here so the child loads TypeScript whatever the working directory.
 */
export async function runStudyChild(studyFile: string, outDir: string, reportFile: string): Promise<StudyChildReport> {
  const args = ['--expose-gc', '--import', import.meta.resolve('tsx'), CHILD_SCRIPT, studyFile, outDir, reportFile];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`study child exited with ${signal ?? `code ${code}`}`))));
  });
  return studyChildReportSchema.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
}
