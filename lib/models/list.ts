import { loadNative } from '../native.js';
import type { ModelInfo } from './zoo.js';

/** Every architecture the addon can build, with its defaults (the native registry's own list). */
export function listModels(): ModelInfo[] {
  return loadNative().listModels();
}
