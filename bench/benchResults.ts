import type { DtiThroughput } from './dtiThroughput.ts';
import type { MachineInfo } from './machineInfo.ts';
import type { ModelThroughput } from './modelThroughput.ts';
import type { StudyScaling } from './studyScaling.ts';

/** Everything one `npm run bench` measured; written as latest.json and rendered as latest.md. */
export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly machine: MachineInfo;
  readonly totalSeconds: number;
  /** 1-minute load average when the bench finished; includes the bench's own load. */
  readonly loadAverageAtEnd: number;
  readonly dti: readonly DtiThroughput[];
  readonly models: readonly ModelThroughput[];
  readonly study: StudyScaling;
}
