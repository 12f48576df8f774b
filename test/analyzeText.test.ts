import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedAvailable, sharedModelsDir } from './sharedAssets.ts';

const run = promisify(execFile);
const donald = (args: string[]) => run('node', [path.join(repoRoot, 'bin/donald.js'), ...args], { cwd: repoRoot, timeout: 90_000 });
const SENTENCE = 'Once upon a time, there was a little girl named Lily.';

interface FieldsJson {
  layers: number[];
  tokens: number;
  tokenLabels: string[];
  utilisation: number[];
  anisotropy: number[][];
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'donald-analyze-text-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('donald analyze-text on the bundled demo model', () => {
  it('prints the per-layer table top layer first, says the weights are random, and writes JSON and a picture', async () => {
    const model = path.join(repoRoot, 'test/fixtures/models/tiny-bert');
    const table = await donald(['analyze-text', '--model', model, SENTENCE]);
    const layerRows = table.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d\d %/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(layerRows).toEqual([4, 3, 2, 1]);
    expect(table.stdout).toMatch(/Mean\s+\d+\.\d\d %/);
    expect(table.stdout).toContain('RANDOM weights');
    expect(table.stdout).toContain('[CLS]');

    const json = path.join(dir, 'bert.json');
    const svg = path.join(dir, 'bert.svg');
    await donald(['analyze-text', '--model', model, SENTENCE, '--json', json, '--svg', svg]);
    const fields = JSON.parse(await readFile(json, 'utf8')) as FieldsJson;
    expect(fields.layers).toEqual([1, 2, 3, 4]);
    expect(fields.tokenLabels[0]).toBe('[CLS]');
    expect(fields.tokenLabels.at(-1)).toBe('[SEP]');
    expect(fields.tokens).toBe(fields.tokenLabels.length);
    expect(fields.anisotropy).toHaveLength(4);
    for (const u of fields.utilisation) expect(u).toBeGreaterThanOrEqual(0);
    const picture = await readFile(svg, 'utf8');
    expect(picture.startsWith('<svg')).toBe(true);
    // One ellipse per (layer, token) tile, plus the one in the legend.
    expect(picture.match(/<ellipse /g)?.length).toBe(4 * fields.tokens + 1);

    const dropped = path.join(dir, 'bert-dropped.json');
    await donald(['analyze-text', '--model', model, SENTENCE, '--drop-special-tokens', '--json', dropped]);
    const without = JSON.parse(await readFile(dropped, 'utf8')) as FieldsJson;
    expect(without.tokenLabels).toEqual(fields.tokenLabels.slice(1, -1));
  });

  it('refuses a missing model directory with exit code 2 and one line', async () => {
    const failed = await donald(['analyze-text', '--model', path.join(dir, 'nope'), SENTENCE]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(!sharedAvailable('models/stories260K'))('donald analyze-text on the real pretrained stories260K (README commands)', () => {
  it('imports the llama2.c checkpoint and analyses the README sentence through its five layers', async () => {
    const out = path.join(dir, 'stories260K');
    const stories = path.join(sharedModelsDir, 'stories260K');
    await donald(['import', 'llama2c', path.join(stories, 'stories260K.bin'), path.join(stories, 'tok512.bin'), '--out', out]);
    const json = path.join(dir, 'lily.json');
    const result = await donald(['analyze-text', '--model', out, SENTENCE, '--json', json]);
    expect(result.stdout).toBe('');
    const fields = JSON.parse(await readFile(json, 'utf8')) as FieldsJson;
    expect(fields.layers).toEqual([1, 2, 3, 4, 5]);
    expect(fields.tokenLabels.slice(0, 4)).toEqual(['<s>', 'Once', 'upon', 'a']);
    expect(fields.tokenLabels).toContain('Lily');
    const table = await donald(['analyze-text', '--model', out, SENTENCE]);
    expect(table.stdout).not.toContain('RANDOM');
    expect(table.stdout.split('\n').filter((l) => /^\s+[1-5]\s+\d+\.\d\d %/.test(l))).toHaveLength(5);
  });

  it('runs a corpus study on the imported model like on any other model', async () => {
    const out = path.join(dir, 'stories260K');
    const corpus = path.join(dir, 'stories.txt');
    await writeFile(corpus, 'Once upon a time, there was a little girl named Lily.\nShe loved to play outside in the park.\nOne day, she saw a big, red ball.\n');
    const studyOut = path.join(dir, 'stories-study');
    await donald(['run', 'config/example-study.yaml', '--model', out, '--corpus', corpus, '--domain', 'stories', '--out', studyOut, '--no-progress']);
    const manifest = JSON.parse(await readFile(path.join(studyOut, 'manifest.json'), 'utf8')) as { counts: Record<string, number>; notes: string[] };
    expect(manifest.counts).toEqual({ read: 3, processed: 3, failed: 0, duplicate: 0, empty: 0 });
    expect(manifest.notes).toEqual([]);
    const csv = (await readFile(path.join(studyOut, 'layer_stats.csv'), 'utf8')).trim().split('\n');
    // header + (all, stories) x 5 layers
    expect(csv).toHaveLength(1 + 2 * 5);
  });
});
