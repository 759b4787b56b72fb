#!/usr/bin/env node
// Builds the addon with cmake-js into build/Release/adautomix.node, using every core.
// LibTorch is located by CMakeLists.txt (LIBTORCH_DIR, Torch_DIR/CMAKE_PREFIX_PATH, python3's torch,
// then the system); see README "Building".
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const jobs = String(process.env.ADX_BUILD_JOBS ?? availableParallelism());
const args = [cmakeJs, 'compile', '--parallel', jobs, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('\nadautomix: building the native addon failed. See README.md, "Building and troubleshooting".');
  process.exit(result.status ?? 1);
}
