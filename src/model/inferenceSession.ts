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
    throw new UserError(`${onnxPath}: onnxruntime cannot load the model (${firstLine(err)}); check the file and its external data, or re-export it`);
  }
}
