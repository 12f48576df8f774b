import { describe, expect, it } from 'vitest';
import { integerTicks, linearScale } from '../src/picture/chartScale.ts';
import { duckOrder, highlightCountFor, renderRankingChart, type RankingChartDomain } from '../src/picture/rankingChart.ts';
import { renderUtilisationChart, type UtilisationChartRow } from '../src/picture/utilisationChart.ts';
import { allElements, byClass, numberAttr, parseXml, type XmlElement } from './pictureXml.ts';

function points(e: XmlElement): [number, number][] {
  return (e.attrs.get('points') ?? '').split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('chart scales', () => {
  it('maps linearly and survives a zero-width domain', () => {
    const s = linearScale(0, 1, 100, 0);
    expect(s(0)).toBe(100);
    expect(s(0.25)).toBe(75);
    expect(linearScale(3, 3, 0, 10)(3)).toBe(5);
  });

  it('thins integer ticks to 1/2/5 steps', () => {
    expect(integerTicks(1, 12, 24)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(integerTicks(0, 24, 12)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(integerTicks(1, 48, 12)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45]);
  });
});

describe('renderUtilisationChart', () => {
  // Rows deliberately out of layer order; "b <&>" lacks a CI at layer 2, splitting its band in two.
  const rows: UtilisationChartRow[] = [
    { domain: 'news', layer: 3, mean: 0.5, ciLow: 0.4, ciHigh: 0.6 },
    { domain: 'news', layer: 1, mean: 0, ciLow: -0.1, ciHigh: 0.1 },
    { domain: 'news', layer: 2, mean: 1, ciLow: 0.9, ciHigh: 1.2 },
    { domain: 'b <&>', layer: 1, mean: 0.2, ciLow: 0.1, ciHigh: 0.3 },
    { domain: 'b <&>', layer: 2, mean: 0.3, ciLow: null, ciHigh: null },
    { domain: 'b <&>', layer: 3, mean: 0.4, ciLow: 0.35, ciHigh: 0.45 },
  ];
  const svg = renderUtilisationChart(rows, { title: 'Utilisation', note: 'random weights' });
  const root = parseXml(svg);
  const lines = byClass(root, 'mean-line');

  it('is well-formed with one line per domain in distinct colours and an escaped legend', () => {
    expect(root.name).toBe('svg');
    expect(lines).toHaveLength(2);
    expect(new Set(lines.map((l) => l.attrs.get('stroke'))).size).toBe(2);
    expect(byClass(root, 'legend-label').map((e) => e.text)).toEqual(['news', 'b <&>']);
    expect(svg).toContain('b &lt;&amp;&gt;');
  });

  it('plots layers left to right and utilisation 0 at the bottom, 1 at the top', () => {
    const news = points(lines[0]);
    expect(news.map(([x]) => x)).toEqual([...news.map(([x]) => x)].sort((a, b) => a - b));
    const [l1, l2, l3] = news;
    expect(l1[1]).toBeGreaterThan(l3[1]); // mean 0 below mean 0.5
    expect(l3[1]).toBeGreaterThan(l2[1]); // mean 0.5 below mean 1
    expect(l3[1]).toBeCloseTo((l1[1] + l2[1]) / 2, 1);
  });

  it('draws CI bands only where intervals exist, clipped to 0-100%', () => {
    const bands = byClass(root, 'ci-band');
    expect(bands).toHaveLength(3); // news: one band; b: layer 1 alone and layer 3 alone
    const news = points(lines[0]);
    const top = news[1][1]; // y of mean 1
    const bottom = news[0][1]; // y of mean 0
    for (const [, y] of points(bands[0])) {
      expect(y).toBeGreaterThanOrEqual(top);
      expect(y).toBeLessThanOrEqual(bottom);
    }
  });

  it('refuses a layer given twice for one domain, and draws an empty chart for no rows', () => {
    expect(() => renderUtilisationChart([rows[0], rows[0]], { title: 't' })).toThrow(RangeError);
    const empty = parseXml(renderUtilisationChart([], { title: 'nothing' }));
    expect(byClass(empty, 'mean-line')).toHaveLength(0);
    expect(allElements(empty).some((e) => e.text === 'no data')).toBe(true);
  });
});

describe('renderRankingChart', () => {
  const means = [0.5, 0.1, 0.3, 0.05, 0.6, 0.2, 0.4, 0.15];
  const ranked = means
    .map((utilisationMean, i) => ({ layer: i + 1, utilisationMean }))
    .sort((a, b) => a.utilisationMean - b.utilisationMean)
    .map((l, i) => ({ ...l, rank: i + 1 }));
  // Given in layer order: the chart must reorder by rank itself.
  const domains: RankingChartDomain[] = [
    { domain: 'web <text>', layers: [...ranked].sort((a, b) => a.layer - b.layer) },
    { domain: 'code', layers: ranked.map((l) => ({ ...l, utilisationMean: l.utilisationMean / 2 })) },
  ];
  const svg = renderRankingChart(domains, { title: 'DUCK ranking' });
  const root = parseXml(svg);
  const panels = byClass(root, 'ranking-panel');

  it('is well-formed, one panel per domain, domain names escaped', () => {
    expect(root.name).toBe('svg');
    expect(panels).toHaveLength(2);
    expect(panels.map((p) => byClass(p, 'panel-title')[0].text)).toEqual(['web <text>', 'code']);
    expect(svg).toContain('web &lt;text&gt;');
  });

  it('lists layers from least to most utilised, top to bottom', () => {
    const bars = byClass(panels[0], 'bar');
    expect(bars).toHaveLength(8);
    const ys = bars.map((b) => numberAttr(b, 'y'));
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    const widths = bars.map((b) => numberAttr(b, 'width'));
    expect(widths).toEqual([...widths].sort((a, b) => a - b));
    const labels = panels[0].children.filter((e) => e.name === 'text' && /^L\d+$/.test(e.text)).map((e) => e.text);
    expect(labels).toEqual(['L4', 'L2', 'L8', 'L6', 'L3', 'L7', 'L1', 'L5']);
  });

  it('uses one bar scale across panels, so halved means give half-length bars', () => {
    const first = byClass(panels[0], 'bar').map((b) => numberAttr(b, 'width'));
    const second = byClass(panels[1], 'bar').map((b) => numberAttr(b, 'width'));
    second.forEach((w, i) => expect(w).toBeCloseTo(first[i] / 2, 0));
  });

  it('highlights the least utilised quarter by default, or as many as asked', () => {
    expect(byClass(panels[0], 'candidate')).toHaveLength(2);
    const candidateY = byClass(panels[0], 'candidate').map((b) => numberAttr(b, 'y'));
    const otherY = byClass(panels[0], 'bar').filter((b) => b.attrs.get('class') === 'bar').map((b) => numberAttr(b, 'y'));
    expect(Math.max(...candidateY)).toBeLessThan(Math.min(...otherY));
    const three = parseXml(renderRankingChart(domains, { title: 't', highlightCount: 3 }));
    expect(byClass(byClass(three, 'ranking-panel')[0], 'candidate')).toHaveLength(3);
    expect(highlightCountFor(2, undefined)).toBe(1);
    expect(highlightCountFor(24, undefined)).toBe(6);
    expect(highlightCountFor(4, 10)).toBe(4);
  });

  it('orders ties by layer number, as the DUCK ranking does', () => {
    expect(duckOrder([{ layer: 3, utilisationMean: 0.1, rank: 1 }, { layer: 1, utilisationMean: 0.1, rank: 1 }]).map((l) => l.layer)).toEqual([1, 3]);
  });
});
