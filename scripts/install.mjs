#!/usr/bin/env node
// The package's install step (npm runs it on `npm install adautomix` and `npm rebuild adautomix`):
// keep an addon that loads (a prebuild in prebuilds/, or an earlier build in build/Release), else
// build one from source with build-native.mjs.
//
// Not `node-gyp-build "<command>"`: its installer runs the given command and then `node-gyp rebuild`
// as well, which fails here (there is no binding.gyp; the build is CMake).
//
// Build anyway: `npm rebuild adautomix --build-from-source` (npm_config_build_from_source) or
// ADX_BUILD_FROM_SOURCE=1.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function forcedBuild() {
  return process.env.npm_config_build_from_source === 'true' || process.env.ADX_BUILD_FROM_SOURCE === '1';
}

/** The path of an addon that loads, or the reason none does. */
function loadableAddon() {
  const nodeGypBuild = require('node-gyp-build');
  try {
    const path = nodeGypBuild.path(root);
    // Loading binds LibTorch too: a prebuild made against another LibTorch fails here, not at
    // the user's first call.
    require(path);
    return { path };
  } catch (error) {
    return { reason: String(error instanceof Error ? error.message : error).split('\n')[0] };
  }
}

if (!forcedBuild()) {
  const found = loadableAddon();
  if (found.path) {
    console.log(`adautomix: using the native addon ${relative(root, found.path)}`);
    process.exit(0);
  }
  console.log(`adautomix: no native addon loads here (${found.reason}); building it from source.`);
}
const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
