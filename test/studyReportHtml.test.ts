/**
 * report.html of a study: the example corpus plus a file of awkward lines (markup and quotes in
 * sentences, unreadable records, an over-long sentence), run with `donald run` and with
 * produce/work/aggregate. The page is checked as text (nothing fetched, counts, failures, domains,
 * examples) and then opened in headless Chromium (Debian's package, driven by playwright-core):
 * no console error, no request, charts drawn, a screenshot with content.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MACHINE_REDIS_URL,
  deleteQueueKeys,
  exampleCorpus,
  exampleTexts,
  expectSuccess,
  killLiveChildren,
  makeTempDir,
  readManifest,
  runDonald,
  spawnDonald,
  testRedis,
  uniqueQueue,
  writeStudyFile,
  type ManifestCounts,
} from './studyFixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const chromiumPresent = existsSync(CHROMIUM);
if (!chromiumPresent) {
  if (process.env.DONALD_REQUIRE_CHROMIUM === '1') {
    throw new Error(`${CHROMIUM} is missing but DONALD_REQUIRE_CHROMIUM=1: install Debian's chromium (apt-get install chromium) to run this test`);
  }
  process.stderr.write(`skipping the report's browser check: ${CHROMIUM} is absent (install Debian's chromium to run this test)\n`);
}

/** A domain name that needs escaping in HTML text and attributes. */
const EDGE_DOMAIN = 'edge <cases> & "quotes"';
const ALL_DOMAINS = new Set(['all', 'news', 'fiction', 'legal', EDGE_DOMAIN]);
const MARKUP_SENTENCE = 'Alice wrote "x < y & y > z" and <b>bold</b> text, didn\'t she?';
const SCRIPT_SENTENCE = 'A second sentence with <script>document.title = "pwned"</script> inside.';
const UNREADABLE_LINES = 23;
const FAILURES_SHOWN = 20;

interface RankingJson {
  readonly domain: string;
}

let tmp: string;
let redis: Redis | undefined;
let queue: string;
let studyFile: string;
let embeddedOut: string;

/** The edge domain's file: two good sentences first, then an over-long one, unreadable lines, an empty line and a duplicate. */
async function writeEdgeCorpus(dir: string): Promise<string> {
  const longSentence = Array.from({ length: 220 }, (_, i) => `word${i}`).join(' ');
  const lines = [
    JSON.stringify({ text: MARKUP_SENTENCE }),
    JSON.stringify({ text: SCRIPT_SENTENCE }),
    JSON.stringify({ text: longSentence }),
    ...Array.from({ length: UNREADABLE_LINES }, (_, i) => `{"text": "unterminated <${i}>`),
    '',
    JSON.stringify({ text: MARKUP_SENTENCE }),
    JSON.stringify({ text: 'A third good sentence, after the failures.' }),
  ];
  const file = path.join(dir, 'edge.jsonl');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  tmp = await makeTempDir('report');
  queue = uniqueQueue('report');
  embeddedOut = path.join(tmp, 'embedded');
  const edge = await writeEdgeCorpus(tmp);
  studyFile = await writeStudyFile(tmp, {
    name: 'report-study',
    corpus: [...exampleCorpus(), { path: edge, domain: EDGE_DOMAIN }],
    output: path.join(tmp, 'distributed'),
    queue,
    jobs: { batchSize: 64, backoffMs: 100 },
  });
  const run = await runDonald(['run', studyFile, '--out', embeddedOut, '--no-progress']);
  if (run.code !== 0) throw new Error(`donald run exited ${run.code}: ${run.stderr}`);
});

afterAll(async () => {
  await killLiveChildren();
  if (redis !== undefined) {
    await deleteQueueKeys(redis, queue);
    redis.disconnect();
  }
  await rm(tmp, { recursive: true, force: true });
});

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Ids of the example figures, in page order. */
function exampleIds(html: string): string[] {
  return [...html.matchAll(/<figure class="example" data-id="([^"]*)"/g)].map((m) => m[1]);
}

async function readFailureIds(out: string): Promise<string[]> {
  const text = await readFile(path.join(out, 'failures.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

describe('report.html of `donald run`', () => {
  let html: string;
  let counts: ManifestCounts;

  beforeAll(async () => {
    html = await readFile(path.join(embeddedOut, 'report.html'), 'utf8');
    counts = (await readManifest(embeddedOut)).counts;
  });

  it('references nothing on the network: no http(s) in src, href or url()', () => {
    expect(html).not.toMatch(/(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<(?:script|link|img|iframe|object|embed)\b/i);
  });

  it('shows the manifest counts, and the counts close', () => {
    for (const [key, value] of Object.entries(counts)) expect(html, key).toContain(`<td data-count="${key}">${value}</td>`);
    expect(counts.failed).toBe(UNREADABLE_LINES + 1);
    expect(counts.duplicate).toBe(1);
    expect(counts.empty).toBe(1);
  });

  it('lists the first failures of failures.jsonl and says how many more there are', async () => {
    const ids = await readFailureIds(embeddedOut);
    expect(ids.length).toBe(counts.failed);
    const listed = [...html.matchAll(/<tr class="failure">.*?<td><code>([^<]*)<\/code><\/td>/g)].map((m) => m[1]);
    expect(listed).toEqual(ids.slice(0, FAILURES_SHOWN));
    expect(html).toContain(`${ids.length - FAILURES_SHOWN} more in <a href="failures.jsonl">failures.jsonl</a>`);
    const first = JSON.parse((await readFile(path.join(embeddedOut, 'failures.jsonl'), 'utf8')).split('\n')[0]) as { reason: string; line: number };
    expect(html).toContain(`<td>${first.line}</td>`);
    expect(html).toContain(escapeAttribute(first.reason));
  });

  it('has a section for every domain of the ranking, `all` included, with its chart and ranking table', async () => {
    const ranking = JSON.parse(await readFile(path.join(embeddedOut, 'ranking.json'), 'utf8')) as RankingJson[];
    const domains = ranking.map((r) => r.domain);
    expect(new Set(domains)).toEqual(ALL_DOMAINS);
    const sections = html.split('<section class="domain"').slice(1);
    expect(sections.length).toBe(domains.length);
    sections.forEach((section, i) => {
      // In the ranking's order: `all` first, then the domains as they first appeared.
      expect(section).toContain(`data-domain="${escapeAttribute(domains[i])}"`);
      expect(section).toContain('<svg');
      expect(section).toContain('class="ci-band"');
      expect(section).toContain('<table class="ranking">');
    });
  });

  it('draws the first two processed sentences of each domain in corpus order, escaped', async () => {
    const texts = await exampleTexts();
    const expected: Record<string, string[]> = {
      all: [],
      news: texts.news.slice(0, 2),
      fiction: texts.fiction.slice(0, 2),
      legal: texts.legal.slice(0, 2),
      [EDGE_DOMAIN]: [MARKUP_SENTENCE, SCRIPT_SENTENCE],
    };
    const sections = html.split('<section class="domain"').slice(1);
    expect(sections.length).toBe(ALL_DOMAINS.size);
    for (const [domain, sentences] of Object.entries(expected)) {
      const section = sections.find((s) => s.includes(`data-domain="${escapeAttribute(domain)}">`));
      expect(section, domain).toBeDefined();
      const captions = [...(section ?? '').matchAll(/<figcaption><q>(.*?)<\/q>/g)].map((m) => m[1]);
      expect(captions, domain).toEqual(sentences.map(escapeAttribute));
    }
    expect(exampleIds(html).length).toBe(8);
    expect(html).not.toContain('<script>');
  });

  it('embeds the resolved study', () => {
    expect(html).toContain('<pre class="study-config">');
    expect(html).toContain(`name: report-study`);
    expect(html).toContain(escapeAttribute(EDGE_DOMAIN));
  });
});

describe('report.html of produce / work / aggregate', () => {
  it('has the same examples as the embedded run and the distributed counts', async () => {
    redis = testRedis(MACHINE_REDIS_URL);
    const out = path.join(tmp, 'distributed');
    await expectSuccess(spawnDonald(['produce', studyFile, '--fresh', '--no-progress']));
    await expectSuccess(spawnDonald(['work', studyFile, '--exit-when-done', '--no-progress'], 'worker'));
    await expectSuccess(spawnDonald(['aggregate', studyFile, '--no-progress'], 'aggregator'));
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    const manifest = await readManifest(out);
    expect(manifest.mode).toBe('distributed');
    for (const [key, value] of Object.entries(manifest.counts)) expect(html, key).toContain(`<td data-count="${key}">${value}</td>`);
    const embedded = await readFile(path.join(embeddedOut, 'report.html'), 'utf8');
    expect(exampleIds(html)).toEqual(exampleIds(embedded));
    expect(exampleIds(html).length).toBeGreaterThan(0);
  });
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.skipIf(!chromiumPresent)('report.html in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads from file:// with no error and no request, draws every chart and figure', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
    page.on('request', (req) => requests.push(req.url()));
    const url = pathToFileURL(path.join(embeddedOut, 'report.html')).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    // The page itself is the only thing loaded.
    expect(requests).toEqual([url]);
    expect(await page.title()).toContain('report-study');
    expect(await page.locator('script').count()).toBe(0);

    const domains = await page.locator('section.domain').evaluateAll((els) => els.map((e) => e.getAttribute('data-domain')));
    expect(new Set(domains)).toEqual(ALL_DOMAINS);
    const figures = await page.locator('figure.example').count();
    // Overview (utilisation + ranking), one chart per domain section, one flow picture per example.
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2 + domains.length + figures);
    expect(figures).toBe(8);
    const captions = await page.locator('figure.example figcaption q').allTextContents();
    expect(captions).toContain(MARKUP_SENTENCE);
    expect(captions).toContain(SCRIPT_SENTENCE);

    for (const selector of ['#overview figure.utilisation-chart svg', '#overview figure.ranking-chart svg', 'section.domain figure.utilisation-chart svg', 'figure.example svg']) {
      const box = await page.locator(selector).first().boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box?.width ?? 0, selector).toBeGreaterThan(200);
      expect(box?.height ?? 0, selector).toBeGreaterThan(100);
    }
    // The CI bands and mean lines are drawn, not just present in the markup.
    const band = await page.locator('section.domain').first().locator('polygon.ci-band').first().boundingBox();
    expect(band?.height ?? 0).toBeGreaterThan(0);

    const shot = path.join(tmp, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    const size = pngSize(png);
    expect(size.width).toBe(1300);
    expect(size.height).toBeGreaterThan(2000);
    // A blank page compresses to a few KB; charts, tables and text do not.
    expect(png.length).toBeGreaterThan(100_000);
    await page.close();
  });
});
