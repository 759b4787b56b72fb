/** `adautomix presets` and `adautomix models`: what can be named in a config, for people and (--json) for scripts. */
import { parseArgs } from 'node:util';
import { presets } from '../config/presets.js';
import { listModels } from '../models/list.js';

export const PRESETS_USAGE = `Usage: adautomix presets [--published] [--json] [words...]

Lists the named presets, or those whose names hold every word (adautomix presets tiny adautomix).

  --published            only the presets of published runs, with the published top-1 and source
  --json                 a JSON array: name, description, published ({ top1, source } or null),
                         needsPretrained and the preset's config
  -h, --help             this help`;

export const MODELS_USAGE = `Usage: adautomix models [--json]

Lists the model architectures (model.arch) with their defaults.

  --json                 a JSON array: name, family, description, cifarStem, baseWidth,
                         imageSize, dropPath, stages
  -h, --help             this help`;

export function listPresets(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { published: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(PRESETS_USAGE);
    return 0;
  }
  const shown = Object.entries(presets).filter(([name, p]) => positionals.every((w) => name.includes(w)) && (!values.published || p.published));
  if (values.json) {
    const rows = shown.map(([name, p]) => ({ name, description: p.description, published: p.published ?? null, needsPretrained: p.needsPretrained ?? false, config: p.config }));
    console.log(JSON.stringify(rows, null, 1));
    return 0;
  }
  for (const [name, preset] of shown) {
    const published = values.published && preset.published ? `\n  published top-1 ${preset.published.top1}% (${preset.published.source})` : '';
    console.log(`${name}\n  ${preset.description}${published}`);
  }
  if (shown.length === 0) {
    const words = positionals.map((w) => `'${w}'`).join(' and ');
    console.log(`no ${values.published ? 'published-run ' : ''}preset${words ? ` name holds ${words}` : ''}`);
  }
  return 0;
}

export function listModelsCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(MODELS_USAGE);
    return 0;
  }
  if (values.json) {
    console.log(JSON.stringify(listModels(), null, 1));
    return 0;
  }
  for (const m of listModels()) {
    const drop = m.dropPath > 0 ? `, drop path ${m.dropPath}` : '';
    console.log(`${m.name}\n  ${m.description}; width ${m.baseWidth}, ${m.stages} stages, laid out for ${m.imageSize}²${drop}`);
  }
  return 0;
}
