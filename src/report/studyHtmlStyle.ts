/** The report page's whole style sheet: inline, system fonts only, so the page fetches nothing. */
export const STUDY_HTML_STYLE = `
:root { color-scheme: light; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #f6f6f4; }
nav { position: sticky; top: 0; z-index: 1; padding: 6px 24px; background: #263238; }
nav a { color: #eceff1; margin-right: 14px; text-decoration: none; font-size: 13px; }
nav a:hover { text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 24px 40px; }
header, section, footer { background: #ffffff; border: 1px solid #e0e0dc; border-radius: 6px; padding: 12px 20px; margin: 16px 0; }
h1 { margin: 4px 0; font-size: 26px; }
h2 { margin: 4px 0 10px; font-size: 20px; border-bottom: 1px solid #e0e0dc; padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 16px; }
.subtitle { margin: 0 0 10px; color: #555555; }
.warning { background: #fff4d6; border-left: 4px solid #e0a800; padding: 6px 10px; margin: 8px 0; }
.small { font-size: 13px; color: #555555; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; word-break: break-all; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13.5px; }
th, td { border: 1px solid #d8d8d4; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #eef1f3; }
table.failures td, table.failures th { text-align: left; }
table.failures td.text { max-width: 420px; overflow-wrap: anywhere; }
table.failures code { white-space: nowrap; word-break: normal; }
table.ranking caption { caption-side: top; text-align: left; font-size: 13px; color: #555555; padding-bottom: 4px; }
tr.candidate td { background: #fbe3d4; font-weight: 600; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 8px 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figure.example { border-top: 1px solid #eeeeea; padding-top: 8px; }
figcaption { margin-bottom: 6px; }
.scroll { overflow-x: auto; }
.scroll svg { display: block; }
pre.study-config { background: #f3f4f2; padding: 10px; overflow-x: auto; font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
`;
