import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { UserError } from '../userError.ts';
import type { SessionSettings } from './modelTypes.ts';

/** The onnxruntime options for the settings; bad values are UserErrors naming the setting. */
export function sessionOptions(settings: SessionSettings): InferenceSession.SessionOptions {
  const threads = settings.intraOpThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0)) {
    throw new UserError(`intra-op threads ${threads}: expected a whole number >= 0 (0 lets onnxruntime choose)`);
  }
  return {
    executionProviders: [settings.executionProvider ?? 'cpu'],
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    // Errors only: onnxruntime's warnings (unused initializers, fallbacks) would bury the CLI's own output.
    logSeverityLevel: 3,
    ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
  };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}

/** onnxruntime's reason without its "Load model from <path> failed:" preamble (the path is named anyway). */
function loadFailure(err: unknown): string {
  return firstLine(err).replace(/^Load model from .* failed:\s*/, '').replace(/\.$/, '');
}

// What onnxruntime says when the bytes are not an ONNX protobuf at all (cut short, empty, another format).
const NOT_ONNX = /protobuf parsing failed|no graph was found|failed to load model because protobuf/i;

const LFS_POINTER = 'version https://git-lfs';

/** What is wrong with a file onnxruntime could not parse, and what to do about it. */
function notOnnxReason(onnxPath: string, detail: string): string {
  const where = `${path.basename(onnxPath)} in ${path.dirname(onnxPath)}`;
  let head = '';
  try {
    const fd = openSync(onnxPath, 'r');
    const buffer = Buffer.alloc(LFS_POINTER.length);
    const got = readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
    head = buffer.subarray(0, got).toString('latin1');
  } catch {
    // Unreadable files are reported with onnxruntime's own words below.
  }
  if (head.length === 0) return `${where} is empty; export the model again or copy the file again`;
  if (head === LFS_POINTER) return `${where} is a Git LFS pointer, not the model; run \`git lfs pull\` in the model repository`;
  return `${where} is not a valid ONNX file (${detail}); it may be cut short or another format: export the model again or copy the file again`;
}

/** Opens the ONNX file; a load failure is a UserError naming the file (or the provider) and the fix. */
export async function openInferenceSession(onnxPath: string, settings: SessionSettings): Promise<InferenceSession> {
  const options = sessionOptions(settings);
  try {
    return await InferenceSession.create(onnxPath, options);
  } catch (err) {
    if (settings.executionProvider === 'cuda') {
      throw new UserError(
        `execution provider cuda is not usable here (${firstLine(err)}); install onnxruntime-node with CUDA support and the CUDA libraries, or use the cpu provider`,
      );
    }
    const detail = loadFailure(err);
    if (NOT_ONNX.test(detail)) throw new UserError(notOnnxReason(onnxPath, detail));
    throw new UserError(`${onnxPath}: onnxruntime cannot load the model (${detail}); check the file and its external data, or re-export it`);
  }
}
