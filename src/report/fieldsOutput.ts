import { writeFile } from 'node:fs/promises';
import { fsErrorReason } from '../hidden/fsErrorReason.ts';
import type { DtiFields } from '../math/dtiTypes.ts';
import { renderFlowPicture } from '../picture/flowPicture.ts';
import { writePicture } from '../picture/pictureFile.ts';
import { UserError } from '../userError.ts';
import { dtiFieldsJson } from './dtiJson.ts';

/** Where a single-sentence command sends its fields: JSON file (or - for stdout) and/or flow pictures. */
export interface FieldsOutputTargets {
  readonly json?: string;
  /** The older flag: always written as SVG text, whatever the extension. */
  readonly svg?: string;
  /** .svg or .png, by extension. */
  readonly plot?: string;
}

export interface FieldsDescription {
  readonly firstLayer: number;
  readonly labels?: readonly string[];
  readonly title: string;
  readonly note?: string;
}

export async function writeFieldsOutputs(fields: DtiFields, targets: FieldsOutputTargets, what: FieldsDescription): Promise<void> {
  if (targets.svg !== undefined || targets.plot !== undefined) {
    const svg = renderFlowPicture(fields, { firstLayer: what.firstLayer, tokenLabels: what.labels, title: what.title, note: what.note });
    if (targets.svg !== undefined) await writeOrExplain(targets.svg, svg, 'picture');
    if (targets.plot !== undefined) await writePicture(targets.plot, svg);
  }
  if (targets.json !== undefined) {
    const text = JSON.stringify(dtiFieldsJson(fields, what.firstLayer, what.labels)) + '\n';
    if (targets.json === '-') process.stdout.write(text);
    else await writeOrExplain(targets.json, text, 'JSON output');
  }
}

async function writeOrExplain(file: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new UserError(`${file}: cannot write the ${what} (${fsErrorReason(err)})`);
  }
}
