/**
 * The published package, as a user gets it from `npm install adautomix`: `npm pack` makes the
 * tarball, which is unpacked into a fresh project's node_modules next to the package's production
 * dependencies only (linked from ours: no network, no dev packages). Its install script, its entry
 * points, its CLI and its type declarations are then used from that project.
 *
 * Needs npm (absent on the GPU machine, where this file is skipped) and a built dist/ and addon.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';

const hasNpm = spawnSync('npm', ['--version']).status === 0;
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr };
}

/** The top-level packages that an install without dev dependencies has, per our lock file. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(packageRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length))
    .filter((name) => existsSync(join(packageRoot, 'node_modules', name))); // other platforms' optional ones are absent
}

describe.skipIf(!hasNpm)('the npm package', () => {
  let tmp: string;
  let tarball: string;
  let files: string[];

  /** A project with the package unpacked in node_modules/adautomix and its production dependencies. */
  function installInto(name: string): { project: string; installed: string } {
    const project = join(tmp, name);
    const installed = join(project, 'node_modules', 'adautomix');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
    expect(run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], tmp).code).toBe(0);
    for (const dependency of productionPackages()) {
      mkdirSync(dirname(join(project, 'node_modules', dependency)), { recursive: true });
      symlinkSync(join(packageRoot, 'node_modules', dependency), join(project, 'node_modules', dependency));
    }
    return { project, installed };
  }

  /** Runs the package's install script as npm does: through sh, with the dependencies' bins on PATH. */
  function installScript(installed: string, env: NodeJS.ProcessEnv = {}) {
    const path = `${join(packageRoot, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env.PATH}`;
    return run('sh', ['-c', manifest.scripts.install!], installed, { ...env, PATH: path });
  }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'adx-package-'));
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files may be reading it.
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], packageRoot);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = join(tmp, info.filename);
    files = info.files.map((file) => file.path);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds the sources a build needs, the entry points, their declarations and source maps, and nothing else', () => {
    const has = new Set(files);
    const tracked = run('git', ['ls-files', 'native', 'cmake', 'CMakeLists.txt'], packageRoot);
    if (tracked.code === 0) {
      // A clone: every source file the CMake build globs or includes ships.
      const sources = tracked.stdout.split('\n').filter(Boolean);
      expect(sources.length).toBeGreaterThan(100);
      expect(sources.filter((path) => !has.has(path))).toEqual([]);
    }
    const entryPoints = [manifest.main, manifest.types, ...Object.values(manifest.bin), manifest.scripts.install!.split(' ')[1]!];
    for (const path of [...entryPoints, 'scripts/build-native.mjs', 'LICENSE', 'README.md', 'package.json']) {
      expect(has, path).toContain(posix.normalize(path));
    }
    const compiled = files.filter((path) => path.startsWith('dist/') && path.endsWith('.js'));
    expect(compiled.length).toBeGreaterThan(50);
    expect(compiled.filter((path) => !has.has(path.replace(/\.js$/, '.d.ts')))).toEqual([]);
    // Source maps point into lib/, which ships so that stack traces and debuggers find the sources.
    const missingSources = compiled.flatMap((path) => {
      const map = JSON.parse(readFileSync(join(packageRoot, `${path}.map`), 'utf8')) as { sources: string[] };
      return map.sources.map((source) => posix.join(posix.dirname(path), source)).filter((source) => !has.has(source));
    });
    expect(missingSources).toEqual([]);
    const allowed = /^(dist|lib|native|cmake|bin|prebuilds)\/|^(scripts\/(install|build-native)\.mjs|CMakeLists\.txt|LICENSE|README\.md|package\.json)$/;
    expect(files.filter((path) => !allowed.test(path))).toEqual([]);
  });

  it('builds from source at install time when no addon loads', () => {
    const { installed } = installInto('from-source');
    // A LibTorch that is not there stops the configure at once, after the install script has
    // handed over to the build: cmake-js, CMakeLists.txt and cmake/ all ran from the package.
    const result = installScript(installed, { LIBTORCH_DIR: join(tmp, 'no-libtorch'), ADX_BUILD_JOBS: '1' });
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain('no native addon loads here');
    expect(result.output).toMatch(/LIBTORCH_DIR=\S+\/no-libtorch\s+holds\s+no\s+TorchConfig\.cmake/); // CMake wraps lines
    expect(result.output).toContain('building the native addon failed');
    expect(result.output).not.toMatch(/node-gyp|binding\.gyp/);
  });

  describe('with a prebuild', () => {
    let project: string;
    let installed: string;

    beforeAll(() => {
      ({ project, installed } = installInto('prebuilt'));
      // What `npm run prebuilds` puts into the package: our built addon, for this platform.
      const addon = (createRequire(import.meta.url)('node-gyp-build') as { path(dir: string): string }).path(packageRoot);
      mkdirSync(join(installed, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
      cpSync(addon, join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'adautomix.node'));
    });

    it('installs without building', () => {
      const result = installScript(installed);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain(`using the native addon prebuilds/${process.platform}-${process.arch}/adautomix.node`);
      expect(existsSync(join(installed, 'build'))).toBe(false);
    });

    it('trains, mixes and runs its CLI for a JavaScript consumer', () => {
      writeFileSync(
        join(project, 'consumer.mjs'),
        `import { createMixer, createTrainer, isAdautomixError, loadNative } from 'adautomix';
const size = 8, count = 32;
const split = (seed) => {
  const images = new Uint8Array(count * size * size);
  const labels = new Int32Array(count).map((_, i) => i % 2);
  images.forEach((_, i) => (images[i] = labels[Math.floor(i / (size * size))] * 100 + ((i * seed) % 50)));
  return { images, labels, count, height: size, width: size, channels: 1, numClasses: 2 };
};
const data = { train: split(3), test: split(7), stats: { mean: [0.3], std: [0.25] } };
const trainer = await createTrainer({ method: 'mixup', model: { baseWidth: 4 }, batchSize: 16, epochs: 1, threads: 1, device: 'cpu' }, { data });
const summary = await trainer.fit();
const evaluated = await trainer.evaluate();
await trainer.dispose();
const mixer = await createMixer({ method: 'cutmix', channels: 1, classes: 2, mean: [0.3], std: [0.25] });
const mixed = await mixer.mix(data.train.images.subarray(0, 4 * size * size), [4, size, size, 1], { labels: data.train.labels.subarray(0, 4) });
const bad = await createMixer({ method: 'nonsense' }).catch((error) => error);
console.log(JSON.stringify({
  addon: loadNative().buildInfo().torchVersion,
  epochs: summary.epochsCompleted,
  count: evaluated.count,
  mixedBytes: mixed.mixedImages.length,
  badCode: isAdautomixError(bad) ? bad.code : String(bad),
}));
`,
      );
      const result = run(process.execPath, ['consumer.mjs'], project);
      expect(result.code, result.output).toBe(0);
      const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(report).toMatchObject({ epochs: 1, count: 32, mixedBytes: 4 * 8 * 8, badCode: 'E_CONFIG' });
      expect(report.addon).toMatch(/^\d+\.\d+\.\d+$/);

      // CommonJS code requires the ES module where Node can (require(esm): Node 20.19+, 22.12+).
      if ((process.features as { require_module?: boolean }).require_module) {
        const script = "const { resolveConfig } = require('adautomix'); console.log(resolveConfig({ preset: 'fmnist-quick' }).method.name)";
        const required = run(process.execPath, ['-e', script], project);
        expect(required.code, required.output).toBe(0);
        expect(required.stdout.trim()).toBe('vanilla');
      }

      // npm links each bin into node_modules/.bin; the CLI must work through that link.
      const bin = join(project, 'node_modules', '.bin');
      mkdirSync(bin, { recursive: true });
      symlinkSync(join('..', 'adautomix', manifest.bin.adautomix!), join(bin, 'adautomix'));
      const info = run(join(bin, 'adautomix'), ['info'], project);
      expect(info.code, info.output).toBe(0);
      expect(JSON.parse(info.stdout)).toMatchObject({ version: '0.1.0' });
    });

    // The three ways TypeScript projects resolve packages: Node's ESM rules, a bundler's, and the
    // old CommonJS rules that read the top-level "types" field instead of "exports".
    it.each([
      ['NodeNext', 'NodeNext'],
      ['ESNext', 'Bundler'],
      ['CommonJS', 'Node10'],
    ])('type-checks a strict TypeScript consumer against the declarations (module %s, resolution %s)', (module, moduleResolution) => {
      // A TypeScript user's project has its own @types/node; it checks our .d.ts files (no skipLibCheck).
      const typesNode = join(project, 'node_modules', '@types', 'node');
      if (!existsSync(typesNode)) {
        mkdirSync(dirname(typesNode), { recursive: true });
        symlinkSync(join(packageRoot, 'node_modules', '@types', 'node'), typesNode);
      }
      writeFileSync(
        join(project, 'consumer.ts'),
        `import { createTrainer, presetNames, type EpochMetrics, type MixResult, type TrainConfig } from 'adautomix';
const config: TrainConfig = { preset: presetNames()[0]!, method: 'adautomix', epochs: 1 };
export async function train(): Promise<MixResult> {
  const trainer = await createTrainer(config);
  await trainer.fit({ onEpochEnd: (metrics: EpochMetrics) => console.log(metrics.top1.toFixed(2)) });
  return trainer.mixer().mix(new Uint8Array(28 * 28), [1, 28, 28, 1]);
}
// @ts-expect-error: the method is checked by the types too
export const wrong: TrainConfig = { method: 'mixupp' };
`,
      );
      const tsconfig = `tsconfig-${moduleResolution}.json`;
      writeFileSync(
        join(project, tsconfig),
        JSON.stringify({
          compilerOptions: { strict: true, module, moduleResolution, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], noEmit: true, skipLibCheck: false, types: ['node'] },
          files: ['consumer.ts'],
        }),
      );
      const tsc = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = run(process.execPath, [tsc, '-p', tsconfig], project);
      expect(result.code, result.output).toBe(0);
    });
  });
});
