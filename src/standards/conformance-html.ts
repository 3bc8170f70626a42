import type { VectorResult } from './kit.ts';

/** What a report says about the system under test (from its GET /openapi.json and GET /v1/standards). */
export interface TargetInfo {
  /** The target's base URL. */
  url: string;
  /** The version its OpenAPI document reports (`info.version`), when it says. */
  version?: string;
  /** The standards it publishes, `type@version (status)`. */
  standards: string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Lines `line-3 .. line+3` of `text`, the error line marked. */
function snippet(text: string, line: number, context = 3): string {
  const lines = text.split(/\r?\n/);
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line + context);
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const mark = n === line;
    out.push(`<span class="${mark ? 'hit' : 'ctx'}">${String(n).padStart(4)}${mark ? ' ▶ ' : '   '}${esc(lines[n - 1] ?? '')}</span>`);
  }
  return `<pre class="src">${out.join('\n')}</pre>`;
}

function expected(r: VectorResult): string {
  const v = r.vector;
  const codes = (v.expect ?? []).map((x) => `${x.code}${x.rule ? ` ${x.rule}` : ''}`);
  return `${v.valid ? 'valid' : 'invalid'}${codes.length ? `: ${codes.join(', ')}` : ''}`;
}

function actual(r: VectorResult): string {
  if (!r.report) return `no report (${r.problems[0] ?? 'validation did not complete'})`;
  const codes = r.report.errors.map((e) => `${e.rule ? `${e.code} ${e.rule}` : e.code}`);
  return `${r.report.valid ? 'valid' : 'invalid'}${codes.length ? `: ${codes.join(', ')}` : ''}`;
}

function vectorRow(r: VectorResult, source: (r: VectorResult) => string | undefined): string {
  const errors = r.report?.errors ?? [];
  const text = r.pass ? undefined : source(r);
  const details = errors.map((e) => {
    const where = `${esc(e.path || '(document)')}${e.line ? ` (line ${e.line}${e.column ? `:${e.column}` : ''})` : ''}`;
    return `<li><code>${esc(e.rule ? `${e.code} ${e.rule}` : e.code)}</code> at <code>${where}</code>: ${esc(e.message)}${text && e.line ? snippet(text, e.line) : ''}</li>`;
  }).join('');
  const firstLines = text && !errors.some((e) => e.line) ? snippet(text, 1, 0).replace('</pre>', '') + `\n${esc(text.split(/\r?\n/).slice(1, 12).join('\n'))}</pre>` : '';
  return `<tr class="${r.pass ? 'pass' : 'fail'}" id="${esc(`${r.type}@${r.version}/${r.vector.id}`)}">
<td>${r.pass ? 'PASS' : '<strong>FAIL</strong>'}</td><td>${esc(r.vector.id)}</td><td>${esc(r.vector.title)}<br><code>${esc(r.vector.file)}</code></td>
<td>${esc(expected(r))}</td><td>${esc(actual(r))}</td>
<td>${r.problems.length ? `<ul class="problems">${r.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}${details ? `<ul class="errors">${details}</ul>` : ''}${firstLines}</td></tr>`;
}

/**
 * One self-contained HTML file (no scripts, no external resources) an auditor can attach to a
 * finding: the target and when, totals, then per type version every vector with what the kit
 * expected and what the target reported, and for a failing vector the document's lines around
 * each located error. `source(r)` gives a vector's document text.
 */
export function toHtml(results: VectorResult[], opts: { target?: TargetInfo; source: (r: VectorResult) => string | undefined; generated?: Date }): string {
  const fails = results.filter((r) => !r.pass).length;
  const groups = new Map<string, VectorResult[]>();
  for (const r of results) groups.set(`${r.type} ${r.version}`, [...(groups.get(`${r.type} ${r.version}`) ?? []), r]);
  const t = opts.target;
  const targetHtml = t
    ? `<dl><dt>Target</dt><dd><code>${esc(t.url)}</code></dd><dt>Reported version</dt><dd>${esc(t.version ?? 'not reported')}</dd>`
      + `<dt>Standards it publishes</dt><dd>${t.standards.length ? t.standards.map((s) => `<code>${esc(s)}</code>`).join(', ') : 'none'}</dd></dl>`
    : '<dl><dt>Target</dt><dd>in-process (this kit\'s own validator)</dd></dl>';
  const summary = [...groups].map(([k, rs]) => {
    const f = rs.filter((r) => !r.pass).length;
    return `<tr class="${f ? 'fail' : 'pass'}"><td><a href="#${esc(k.replace(' ', '@'))}">${esc(k)}</a></td><td>${rs.length}</td><td>${rs.length - f}</td><td>${f}</td></tr>`;
  }).join('\n');
  const sections = [...groups].map(([k, rs]) => `<h2 id="${esc(k.replace(' ', '@'))}">${esc(k)}</h2>
<table><thead><tr><th></th><th>vector</th><th>title / file</th><th>expected</th><th>actual</th><th>details</th></tr></thead><tbody>
${rs.map((r) => vectorRow(r, opts.source)).join('\n')}
</tbody></table>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>BXG conformance report${t ? ` — ${esc(t.url)}` : ''}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0;width:100%}
td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}tr.fail td:first-child{background:#fdd}tr.pass td:first-child{background:#dfd}
pre.src{background:#f6f6f6;padding:.4em;overflow:auto;margin:.3em 0}span.hit{background:#ffe08a;font-weight:bold}dt{font-weight:bold}code{font-size:92%}
</style></head><body>
<h1>BXG conformance report</h1>
${targetHtml}
<p>Generated ${esc((opts.generated ?? new Date()).toISOString())}. Vectors: ${results.length}, passed: ${results.length - fails}, <strong>failed: ${fails}</strong>.</p>
<table><thead><tr><th>type version</th><th>vectors</th><th>passed</th><th>failed</th></tr></thead><tbody>
${summary}
</tbody></table>
${sections}
</body></html>
`;
}
