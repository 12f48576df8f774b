import type { Command } from 'commander';
import { EXECUTION_PROVIDERS as PROVIDERS, GRAPH_OPTIMIZATION_LEVELS as LEVELS, type SessionSettings } from '../model/modelTypes.ts';
import { UserError } from '../userError.ts';

export interface SessionFlagValues {
  readonly threads?: string;
  readonly graphOptimization?: string;
  readonly executionProvider?: string;
}

/** onnxruntime session flags shared by every command that runs a model. */
export function addSessionOptions(cmd: Command): Command {
  return cmd
    .option('--threads <n>', 'onnxruntime intra-op threads (default: onnxruntime decides)')
    .option('--graph-optimization <level>', `onnxruntime graph optimisation: ${LEVELS.join(', ')}`)
    .option('--execution-provider <name>', `${PROVIDERS.join(' or ')} (cuda needs onnxruntime-node with CUDA on the machine)`);
}

export function readSessionFlags(raw: SessionFlagValues): SessionSettings {
  const out: { intraOpThreads?: number; graphOptimizationLevel?: SessionSettings['graphOptimizationLevel']; executionProvider?: SessionSettings['executionProvider'] } = {};
  if (raw.threads !== undefined) {
    const n = /^\d+$/.test(raw.threads) ? Number(raw.threads) : NaN;
    if (!(n >= 1)) throw new UserError(`--threads ${raw.threads}: expected a whole number >= 1`);
    out.intraOpThreads = n;
  }
  if (raw.graphOptimization !== undefined) {
    const level = LEVELS.find((l) => l === raw.graphOptimization);
    if (!level) throw new UserError(`--graph-optimization ${raw.graphOptimization}: expected one of ${LEVELS.join(', ')}`);
    out.graphOptimizationLevel = level;
  }
  if (raw.executionProvider !== undefined) {
    const provider = PROVIDERS.find((p) => p === raw.executionProvider);
    if (!provider) throw new UserError(`--execution-provider ${raw.executionProvider}: expected one of ${PROVIDERS.join(', ')}`);
    out.executionProvider = provider;
  }
  return out;
}
