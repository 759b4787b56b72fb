/** `adautomix report DIR...`: the HTML and Markdown report of one or more runs. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configError } from '../errors.js';
import { writeOutput } from '../io/attempt.js';
import { readRun, renderReport } from '../report/run-report.js';

export const REPORT_USAGE = `Usage: adautomix report DIR... [--out DIR]

Writes report.html (self-contained: tables, SVG charts, embedded images) and report.md (with
report-*.svg beside it) for the run folders given: the table against the published numbers
(through each run's preset), every head's accuracy with both reported numbers, training curves,
and, where adautomix eval wrote eval.json, calibration, attack, corruption and occlusion results;
each run's best epoch (best.safetensors) with what eval --weights best measured of it.

  --out <dir>   where to write them (default: the first run folder; created if missing)
  -h, --help    this help`;

export async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(REPORT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw configError('report needs at least one run folder');
  const runs = [];
  for (const dir of positionals) runs.push(await readRun(dir));
  const rendered = renderReport(runs);
  const out = values.out ?? positionals[0]!;
  await writeOutput(join(out, 'report.html'), rendered.html);
  await writeOutput(join(out, 'report.md'), rendered.markdown);
  for (const [name, svg] of Object.entries(rendered.svgs)) await writeOutput(join(out, name), svg);
  console.error(`adautomix: wrote ${join(out, 'report.html')} and ${join(out, 'report.md')}`);
  return 0;
}
