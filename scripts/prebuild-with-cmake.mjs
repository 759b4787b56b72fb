#!/usr/bin/env node
// prebuildify drives node-gyp; this project builds with cmake-js. prebuildify calls this file in
// node-gyp's place (`--node-gyp`), with node-gyp's arguments (rebuild --target=... --release),
// which a Node-API build does not need: it builds build/Release/adautomix.node, which prebuildify
// then strips and copies to prebuilds/<platform>-<arch>/.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'build-native.mjs');
const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
process.exit(result.status ?? 1);
