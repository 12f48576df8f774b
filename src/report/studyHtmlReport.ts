import { stringify as yamlStringify } from 'yaml';
import type { DtiFields } from '../math/dtiTypes.ts';
import { renderFlowPicture } from '../picture/flowPicture.ts';
import { highlightCountFor, renderRankingChart } from '../picture/rankingChart.ts';
import { renderUtilisationChart } from '../picture/utilisationChart.ts';
import type { DomainRanking, RankingRow } from '../stats/duckRanking.ts';
import { ALL_DOMAIN, type LayerStatsRow } from '../stats/layerStatsAccumulator.ts';
import type { SentenceFailure } from '../writers/failuresWriter.ts';
import type { StudyManifest } from '../writers/manifestWriter.ts';
import { STUDY_HTML_STYLE } from './studyHtmlStyle.ts';

/** The first failures of a study and how many there are in all. */
export interface FailuresPreview {
  readonly shown: readonly SentenceFailure[];
  readonly total: number;
}

/** One example sentence of a domain with every DTI field, for its flow picture. */
export interface ExampleFigure {
  readonly domain: string;
  readonly id: string;
  readonly text: string;
  readonly source: string;
  readonly line: number;
  readonly tokens: readonly string[];
  readonly firstLayer: number;
  readonly truncated: boolean;
  readonly fields: DtiFields;
}

export interface StudyHtmlInput {
  readonly manifest: StudyManifest;
  readonly rows: readonly LayerStatsRow[];
  /** `all` first, then the domains in the order they first appeared. */
  readonly rankings: readonly DomainRanking[];
  readonly failures: FailuresPreview;
  readonly examples: readonly ExampleFigure[];
  /** How many examples per domain were asked for (the page says how they were chosen). */
  readonly examplesPerDomain: number;
}

/** Output files listed at the foot of the page, linked relatively so the links work from file://. */
const OUTPUT_FILES = [
  'layer_stats.parquet',
  'layer_stats.arrow',
  'layer_stats.csv',
  'ranking.csv',
  'ranking.json',
  'sentences.parquet',
  'failures.jsonl',
  'manifest.json',
  'utilisation_by_layer.svg',
  'ranking.svg',
];

/**
 * A study's report as one self-contained HTML page: styles, tables and SVG pictures inline and
 * nothing fetched (a Content-Security-Policy forbids any fetch), so it opens from file:// anywhere,
 * offline, and can be mailed as one file. Every piece of text is escaped: sentences, file names
 * and domains are data.
 */
export function renderStudyHtmlReport(input: StudyHtmlInput): string {
  const m = input.manifest;
  const studyName = String(m.study.name ?? 'study');
  const note = m.notes.length > 0 ? m.notes.join('; ') : undefined;
  const domains = input.rankings.map((r) => r.domain);
  const body = [
    headerSection(studyName, m),
    countsSection(m),
    failuresSection(input.failures),
    overviewSection(studyName, input, note),
    ...input.rankings.map((ranking, i) => domainSection(ranking, i, input, note)),
    configSection(m),
    filesSection(),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${studyName}: DONALD-D study report`)}</title>`,
    `<style>${STUDY_HTML_STYLE}</style>`,
    '</head>',
    '<body>',
    navigation(domains),
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Text safe in element content and in double- or single-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Anchor of a domain's section; by position, since a domain name may hold any character. */
function domainAnchor(index: number): string {
  return `domain-${index}`;
}

function domainLabel(domain: string): string {
  return domain === ALL_DOMAIN ? `${ALL_DOMAIN} (every domain pooled)` : domain;
}

function navigation(domains: readonly string[]): string {
  const links = [
    '<a href="#counts">counts</a>',
    '<a href="#failures">failures</a>',
    '<a href="#overview">overview</a>',
    ...domains.map((d, i) => `<a href="#${domainAnchor(i)}">${escapeHtml(d)}</a>`),
    '<a href="#study">study</a>',
  ];
  return `<nav>${links.join(' ')}</nav>`;
}

function headerSection(studyName: string, m: StudyManifest): string {
  const items: [string, string][] = [
    ['model', `<code>${escapeHtml(m.model.dir)}</code>`],
    ['ONNX file', `<code>${escapeHtml(m.model.onnxFile)}</code>`],
    ['sha256', `<code>${escapeHtml(m.model.sha256)}</code>`],
    ['mode', escapeHtml(m.mode)],
    ['started', escapeHtml(m.startedAt)],
    ['finished', escapeHtml(m.finishedAt)],
    ['seconds', escapeHtml(m.seconds.toFixed(1))],
    ['sentences/s', escapeHtml(m.sentencesPerSecond.toFixed(1))],
    ['study hash', `<code>${escapeHtml(m.studyHash)}</code>`],
  ];
  const versions = Object.entries(m.packageVersions)
    .map(([name, version]) => `${escapeHtml(name)} ${escapeHtml(version)}`)
    .join(', ');
  return [
    '<header>',
    `<h1>${escapeHtml(studyName)}</h1>`,
    '<p class="subtitle">DONALD-D study report: per-layer utilisation and the DUCK pruning ranking</p>',
    ...m.notes.map((n) => `<p class="warning">${escapeHtml(n)}</p>`),
    `<dl class="facts">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`,
    `<p class="small">package versions: ${versions}</p>`,
    '</header>',
  ].join('\n');
}

function countsSection(m: StudyManifest): string {
  const c = m.counts;
  const cells: [string, number][] = [
    ['read', c.read],
    ['processed', c.processed],
    ['failed', c.failed],
    ['duplicate', c.duplicate],
    ['empty', c.empty],
  ];
  return [
    '<section id="counts">',
    '<h2>Sentences</h2>',
    `<table class="counts"><thead><tr>${cells.map(([k]) => `<th>${k}</th>`).join('')}</tr></thead>`,
    `<tbody><tr>${cells.map(([k, v]) => `<td data-count="${k}">${v}</td>`).join('')}</tr></tbody></table>`,
    '<p class="small">Every line read is accounted for: read = processed + failed + duplicate + empty.</p>',
    '</section>',
  ].join('\n');
}

function failuresSection(failures: FailuresPreview): string {
  const out = ['<section id="failures">', '<h2>Failures</h2>'];
  if (failures.total === 0) {
    out.push('<p>No sentence failed.</p>', '</section>');
    return out.join('\n');
  }
  out.push(
    '<table class="failures"><thead><tr><th>file</th><th>line</th><th>id</th><th>domain</th><th>reason</th><th>text</th></tr></thead><tbody>',
    ...failures.shown.map(
      (f) =>
        `<tr class="failure"><td><code title="${escapeHtml(f.source)}">${escapeHtml(baseName(f.source))}</code></td><td>${f.line}</td>` +
        `<td><code>${escapeHtml(f.id)}</code></td><td>${escapeHtml(f.domain)}</td><td>${escapeHtml(f.reason)}</td><td class="text">${escapeHtml(f.text)}</td></tr>`,
    ),
    '</tbody></table>',
  );
  const more = failures.total - failures.shown.length;
  out.push(
    more > 0
      ? `<p class="more-failures">${more} more in <a href="failures.jsonl">failures.jsonl</a> (${failures.total} in all).</p>`
      : `<p class="small">All ${failures.total} failures, as in <a href="failures.jsonl">failures.jsonl</a>.</p>`,
    '</section>',
  );
  return out.join('\n');
}

/** Last path component, for either separator (sources are absolute paths of the machine that read them). */
function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

function overviewSection(studyName: string, input: StudyHtmlInput, note: string | undefined): string {
  const utilisation = renderUtilisationChart(input.rows.map(chartRow), { title: `${studyName}: mean utilisation by layer (95% CI)`, note });
  const ranking = renderRankingChart(
    input.rankings.map((d) => ({ domain: d.domain, layers: d.layers.map((l) => ({ layer: l.layer, utilisationMean: l.utilisationMean, rank: l.duckRank })) })),
    { title: `${studyName}: DUCK ranking (least utilised layers first = pruning candidates)`, note },
  );
  return [
    '<section id="overview">',
    '<h2>Overview</h2>',
    `<figure class="chart utilisation-chart">${inlineSvg(utilisation)}</figure>`,
    `<figure class="chart ranking-chart">${inlineSvg(ranking)}</figure>`,
    '</section>',
  ].join('\n');
}

function chartRow(r: LayerStatsRow): { domain: string; layer: number; mean: number; ciLow: number | null; ciHigh: number | null } {
  return { domain: r.domain, layer: r.layer, mean: r.utilisationMean, ciLow: r.utilisationCiLow, ciHigh: r.utilisationCiHigh };
}

function domainSection(ranking: DomainRanking, index: number, input: StudyHtmlInput, note: string | undefined): string {
  const domain = ranking.domain;
  const rows = input.rows.filter((r) => r.domain === domain);
  const sentences = Math.max(0, ...rows.map((r) => r.n));
  const chart = renderUtilisationChart(rows.map(chartRow), { title: `${domain}: mean utilisation by layer (95% CI)`, note });
  const out = [
    `<section class="domain" id="${domainAnchor(index)}" data-domain="${escapeHtml(domain)}">`,
    `<h2>${escapeHtml(domainLabel(domain))}</h2>`,
    `<p>${sentences} sentence${sentences === 1 ? '' : 's'}. Spearman ρ of layer utilisation against Block Influence ${correlation(ranking.spearmanDuckVsBlockInfluence)}, against angular distance ${correlation(ranking.spearmanDuckVsAngular)}.</p>`,
    '<div class="side-by-side">',
    `<figure class="chart utilisation-chart">${inlineSvg(chart)}</figure>`,
    rankingTable(ranking),
    '</div>',
  ];
  if (domain !== ALL_DOMAIN) out.push(...exampleFigures(domain, input, note));
  out.push('</section>');
  return out.join('\n');
}

function correlation(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'undefined' : value.toFixed(3);
}

/** DUCK order beside the baselines; rank 1 is each metric's first pruning candidate. */
function rankingTable(ranking: DomainRanking): string {
  const candidates = highlightCountFor(ranking.layers.length, undefined);
  const head =
    '<thead><tr><th>DUCK rank</th><th>layer</th><th>utilisation</th><th>95% CI</th>' +
    '<th>Block Influence</th><th>BI rank</th><th>angular distance</th><th>AD rank</th></tr></thead>';
  const body = ranking.layers.map((l, position) => rankingRow(l, position < candidates));
  return [
    '<table class="ranking">',
    '<caption>DUCK ranking: least utilised layer first; highlighted rows are the pruning candidates</caption>',
    head,
    `<tbody>${body.join('')}</tbody>`,
    '</table>',
  ].join('\n');
}

function rankingRow(l: RankingRow, candidate: boolean): string {
  const ci = l.utilisationCiLow === null || l.utilisationCiHigh === null ? '–' : `${formatPercent(l.utilisationCiLow)} – ${formatPercent(l.utilisationCiHigh)}`;
  const cells = [
    String(l.duckRank),
    String(l.layer),
    formatPercent(l.utilisationMean),
    ci,
    formatValue(l.blockInfluenceMean),
    formatRank(l.blockInfluenceRank),
    formatValue(l.angularDistanceMean),
    formatRank(l.angularDistanceRank),
  ];
  return `<tr${candidate ? ' class="candidate"' : ''}>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : 'n/a';
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? value.toPrecision(4) : 'n/a';
}

function formatRank(rank: number): string {
  if (!Number.isFinite(rank)) return 'n/a';
  return Number.isInteger(rank) ? String(rank) : rank.toFixed(1);
}

function exampleFigures(domain: string, input: StudyHtmlInput, note: string | undefined): string[] {
  const examples = input.examples.filter((e) => e.domain === domain);
  const out = [
    '<h3>Example sentences</h3>',
    `<p class="small">The first ${input.examplesPerDomain} processed sentences of this domain in corpus order, run through the model again for this page.</p>`,
  ];
  if (examples.length === 0) out.push('<p>No example: no sentence of this domain could be run again.</p>');
  for (const e of examples) {
    const picture = renderFlowPicture(e.fields, {
      tokenLabels: e.tokens,
      firstLayer: e.firstLayer,
      title: `${e.fields.angle.rows} layers x ${e.tokens.length} tokens`,
      note,
    });
    out.push(
      `<figure class="example" data-id="${escapeHtml(e.id)}">`,
      `<figcaption><q>${escapeHtml(e.text)}</q><br><span class="small">id <code>${escapeHtml(e.id)}</code>, ` +
        `<code title="${escapeHtml(e.source)}">${escapeHtml(baseName(e.source))}</code> line ${e.line}` +
        `${e.truncated ? ', cut to the model limit (truncate)' : ''}</span></figcaption>`,
      `<div class="scroll">${inlineSvg(picture)}</div>`,
      '</figure>',
    );
  }
  return out;
}

function configSection(m: StudyManifest): string {
  return [
    '<section id="study">',
    '<h2>Study (resolved)</h2>',
    '<p class="small">Every key with its default filled in and every path absolute, as recorded in manifest.json.</p>',
    `<pre class="study-config">${escapeHtml(yamlStringify(m.study))}</pre>`,
    '</section>',
  ].join('\n');
}

function filesSection(): string {
  return [
    '<footer>',
    `<p class="small">Beside this page: ${OUTPUT_FILES.map((f) => `<a href="${f}">${f}</a>`).join(', ')}.</p>`,
    '</footer>',
  ].join('\n');
}

/**
 * An SVG document as inline HTML markup. The XML namespace declaration is dropped: an HTML parser
 * puts <svg> in the SVG namespace by itself, and the page then names no URL at all.
 */
function inlineSvg(svg: string): string {
  return svg.replace(' xmlns="http://www.w3.org/2000/svg"', '').trim();
}
