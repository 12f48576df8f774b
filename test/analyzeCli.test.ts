import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDtiFlags } from '../src/cli/dtiOptions.ts';
import { writeNpy } from '../src/hidden/npy.ts';
import { fromRows } from '../src/math/matrix.ts';
import { formatLayerTable } from '../src/report/layerTable.ts';
import { UserError } from '../src/userError.ts';
import { referenceDir, repoRoot, sharedAvailable } from './sharedAssets.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'bin/donald.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function donald(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'donald-analyze-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FIELDS = ['matrix', 'jxx', 'jxy', 'jyy', 'lambda1', 'lambda2', 'angle', 'anisotropy', 'utilisation'] as const;

interface ReferenceCase {
  name: string;
  layout: string;
  shape: [number, number, number];
  hidden: number[][][];
  params: { normalise: string; sigmaGrad: [number, number]; sigmaTensor: [number, number]; eps: number };
  expected: Record<(typeof FIELDS)[number], number[] | number[][]>;
}

function expectClose(actual: unknown, expected: number[] | number[][], what: string): void {
  const a = (actual as number[] | number[][]).flat();
  const e = expected.flat();
  expect(a.length, what).toBe(e.length);
  e.forEach((v, i) => {
    if (!(Math.abs(a[i] - v) <= 1e-9)) throw new Error(`${what}[${i}] = ${a[i]}, expected ${v}`);
  });
}

function paramArgs(p: ReferenceCase['params']): string[] {
  return ['--normalise', p.normalise, '--sigma-grad', p.sigmaGrad.join(','), '--sigma-tensor', p.sigmaTensor.join(','), '--eps', String(p.eps)];
}

const haveReference = sharedAvailable('reference');

describe.skipIf(!haveReference)('donald analyze reproduces SPEC §8 reference vectors', async () => {
  const files = haveReference ? (await readdir(referenceDir)).filter((f) => f.endsWith('.json')).sort() : [];

  it('has reference cases', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(`${name} via .npy and via the JSON file itself`, async () => {
      const ref = JSON.parse(await readFile(path.join(referenceDir, name), 'utf8')) as ReferenceCase;
      const [L, T] = ref.shape;
      const npy = path.join(dir, `${ref.name}.npy`);
      await writeNpy(npy, ref.shape, Float64Array.from(ref.hidden.flat(2)));
      for (const input of [npy, path.join(referenceDir, name)]) {
        const out = path.join(dir, `${ref.name}-${path.extname(input).slice(1)}.json`);
        const result = await donald('analyze', input, '--no-embedding-row', ...paramArgs(ref.params), '--json', out);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const got = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
        expect(got.layers).toEqual(Array.from({ length: L }, (_, i) => i + 1));
        expect(got.tokens).toBe(T);
        for (const field of FIELDS) expectClose(got[field], ref.expected[field], `${ref.name}.${field}`);
      }
    });
  }
});

/** 13 arrays (embedding output + 12 blocks) x 6 tokens x 4 units, varied enough to give a varied table. */
async function thirteenArrays(): Promise<string> {
  const [A, T, H] = [13, 6, 4];
  const data = Float64Array.from({ length: A * T * H }, (_, i) => {
    const l = Math.floor(i / (T * H));
    const t = Math.floor(i / H) % T;
    return Math.sin(0.7 * l * t + 0.3 * (i % H)) + 0.1 * l;
  });
  const file = path.join(dir, 'thirteen.npy');
  await writeNpy(file, [A, T, H], data);
  return file;
}

/** Layer numbers and utilisation percentages of the table's layer rows, in printed order. */
function tableRows(stdout: string): { layer: number; percent: number }[] {
  return [...stdout.matchAll(/^\s*(\d+)\s+([\d.]+) %/gm)].map((m) => ({ layer: Number(m[1]), percent: Number(m[2]) }));
}

describe('donald analyze table', () => {
  it('lists every block top first, then mean and SD, matching the JSON output', async () => {
    const file = await thirteenArrays();
    const table = await donald('analyze', file);
    expect(table.code).toBe(0);
    const rows = tableRows(table.stdout);
    // Index 0 is the embedding output and is dropped: layers 12 .. 1.
    expect(rows.map((r) => r.layer)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

    const json = await donald('analyze', file, '--json', '-');
    const got = JSON.parse(json.stdout) as { layers: number[]; utilisation: number[] };
    expect(got.layers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    rows.forEach((r) => expect(r.percent).toBeCloseTo(got.utilisation[r.layer - 1] * 100, 2));
    const mean = got.utilisation.reduce((s, u) => s + u, 0) / got.utilisation.length;
    const sd = Math.sqrt(got.utilisation.reduce((s, u) => s + (u - mean) ** 2, 0) / got.utilisation.length);
    expect(table.stdout).toMatch(new RegExp(`^\\s*Mean\\s+${(mean * 100).toFixed(2)} %`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^\\s*SD\\s+${(sd * 100).toFixed(2)} %`, 'm'));
  });

  it('keeps the embedding output as layer 0 with --include-embeddings', async () => {
    const file = await thirteenArrays();
    const table = await donald('analyze', file, '--include-embeddings');
    expect(tableRows(table.stdout).map((r) => r.layer)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const json = JSON.parse((await donald('analyze', file, '--include-embeddings', '--json', '-')).stdout) as { layers: number[] };
    expect(json.layers[0]).toBe(0);
    expect(json.layers).toHaveLength(13);
  });

  it('adds token labels to the JSON output', async () => {
    const file = await thirteenArrays();
    const labels = path.join(dir, 'labels.json');
    await writeFile(labels, JSON.stringify(['The', 'cat', 'sat', 'on', 'the', 'mat']));
    const got = JSON.parse((await donald('analyze', file, '--tokens', labels, '--json', '-')).stdout) as { tokenLabels: string[]; tokens: number };
    expect(got.tokens).toBe(6);
    expect(got.tokenLabels).toEqual(['The', 'cat', 'sat', 'on', 'the', 'mat']);
  });

  it('draws the flow picture with --svg: one tile per cell, token labels on the x axis, table still printed', async () => {
    const file = await thirteenArrays();
    const labels = path.join(dir, 'labels-svg.json');
    await writeFile(labels, JSON.stringify(['The', 'cat', 'sat', 'on', 'the', 'mat']));
    const svg = path.join(dir, 'flow.svg');
    const table = await donald('analyze', file, '--tokens', labels, '--svg', svg);
    expect(tableRows(table.stdout)).toHaveLength(12);
    const picture = await readFile(svg, 'utf8');
    expect(picture.startsWith('<svg')).toBe(true);
    // 12 layers x 6 tokens, plus the legend's one ellipse.
    expect(picture.match(/<ellipse /g)?.length).toBe(12 * 6 + 1);
    for (const token of ['The', 'cat', 'mat']) expect(picture).toContain(`>${token}<`);
  });
});

describe('formatLayerTable', () => {
  it('prints layers top first with percentages, bars, mean and population SD', () => {
    const text = formatLayerTable(
      { utilisation: Float64Array.from([0.1, 0.5, 0.9]), anisotropy: fromRows([[0.2, 0.4], [0.5, 0.5], [1, 0]]) },
      { firstLayer: 1, title: 'Example', note: 'a note' },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('Example');
    const layerLines = lines.filter((l) => /^\s*\d+\s/.test(l));
    expect(layerLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(layerLines[0]).toContain('90.00 %');
    expect(layerLines[1]).toContain('50.00 %');
    expect(layerLines[1]).toContain('0.5000');
    expect(layerLines[1]).toContain('█'.repeat(10));
    expect(layerLines[1]).not.toContain('█'.repeat(11));
    expect(lines.find((l) => l.trim().startsWith('Mean'))).toContain('50.00 %');
    // Population SD of 10, 50, 90 is sqrt(3200/3) = 32.66.
    expect(lines.find((l) => l.trim().startsWith('SD'))).toContain('32.66 %');
    expect(text).toContain('a note');
  });
});

describe('DTI flags', () => {
  const refusal = (raw: Parameters<typeof readDtiFlags>[0]): string => {
    try {
      readDtiFlags(raw);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('parses valid values and keeps defaults for unset ones', () => {
    expect(readDtiFlags({ sigmaGrad: '0.5,1.5', eps: '1e-6', normalise: 'column' }).params).toEqual({ normalise: 'column', sigmaGrad: [0.5, 1.5], sigmaTensor: [1, 1], eps: 1e-6 });
    expect(readDtiFlags({ sigmaTensor: '0,0' }).params.sigmaTensor).toEqual([0, 0]);
  });

  it('names the flag and the expected form', () => {
    expect(refusal({ sigmaGrad: '1' })).toContain('--sigma-grad "1": expected two sigmas >= 0 for layers,tokens');
    expect(refusal({ sigmaTensor: '1,-2' })).toContain('--sigma-tensor');
    expect(refusal({ sigmaGrad: '1,x' })).toContain('--sigma-grad');
    expect(refusal({ eps: '-1' })).toContain('--eps "-1": expected a positive number');
    expect(refusal({ eps: '0' })).toContain('--eps');
    expect(refusal({ normalise: 'zscore' })).toContain('--normalise "zscore": expected one of row, column, global, none');
  });
});

describe('donald analyze on bad input', () => {
  const oneLineRefusal = (result: CliResult, fragment: string): void => {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith('donald: ')).toBe(true);
    expect(lines[0]).toContain(fragment);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  };

  it('a truncated file exits 2 with one line naming it', async () => {
    const file = path.join(dir, 'cut.npy');
    await writeNpy(file, [3, 4, 5], new Float64Array(60));
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 100));
    oneLineRefusal(await donald('analyze', file), 'cut.npy: truncated');
  });

  it('a bad flag exits 2 naming the flag', async () => {
    const file = await thirteenArrays();
    oneLineRefusal(await donald('analyze', file, '--sigma-grad', '1'), '--sigma-grad');
    oneLineRefusal(await donald('analyze', file, '--eps', '-1'), '--eps');
    oneLineRefusal(await donald('analyze', file, '--layout', 'XYZ'), '--layout "XYZ"');
    oneLineRefusal(await donald('analyze', file, '--batch-index', '-1'), '--batch-index');
  });

  it('token labels of the wrong length exit 2', async () => {
    const file = await thirteenArrays();
    const labels = path.join(dir, 'three.json');
    await writeFile(labels, JSON.stringify(['a', 'b', 'c']));
    oneLineRefusal(await donald('analyze', file, '--tokens', labels), 'not the 3 tokens given');
  });

  it('contradictory embedding flags exit 2', async () => {
    const file = await thirteenArrays();
    oneLineRefusal(await donald('analyze', file, '--include-embeddings', '--no-embedding-row'), '--include-embeddings and --no-embedding-row');
  });
});
