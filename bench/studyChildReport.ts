import { z } from 'zod';

/** What one study child process measured; it travels parent-ward as a JSON file. */
export const studyChildReportSchema = z.object({
  /** The loaded study's model settings, so the results say what was measured. */
  batchSize: z.number(),
  intraOpThreads: z.number().nullable(),
  read: z.number(),
  processed: z.number(),
  failed: z.number(),
  duplicate: z.number(),
  /** Wall time of runEmbeddedStudy alone (no process start, no TypeScript loading). */
  studySeconds: z.number(),
  sentencesPerSecond: z.number(),
  /** CPU time of the child (all threads) during the study; time spent waiting for a busy core is not in it. */
  cpuSeconds: z.number(),
  sentencesPerCpuSecond: z.number(),
  /** RSS after imports, before the study starts: the floor every run shares. */
  baselineRssMB: z.number(),
  peakRssMB: z.number(),
  vmHwmMB: z.number().nullable(),
  peakHeapUsedMB: z.number(),
  /** Heap still in use after the study returned and a full GC ran: what the run leaves behind. */
  heapUsedEndMB: z.number(),
  rssSamples: z.number(),
  rssTimelineMB: z.array(z.number()),
  /** Forced-GC samples every 500 ms through the run, for the within-run trend. */
  settled: z.array(z.object({ seconds: z.number(), rssMB: z.number(), heapUsedMB: z.number(), externalMB: z.number() })),
});

export type StudyChildReport = z.infer<typeof studyChildReportSchema>;
