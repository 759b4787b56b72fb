/**
 * Image datasets on disk, as lists of (file, label) per split:
 * - class folders: DIR/train/<class>/... and DIR/val/<class>/... (or test/), classes numbered in
 *   sorted folder-name order (as torchvision's ImageFolder), files found at any depth;
 * - Tiny-ImageNet as distributed: DIR/wnids.txt, DIR/train/<wnid>/images/*.JPEG and the
 *   validation images in DIR/val/images with their classes in DIR/val/val_annotations.txt;
 * - image lists: one `relative/path label` per line (labels from 0), the way the CUB-200,
 *   FGVC-Aircraft and Stanford-Cars splits are usually given; paths relative to an image root.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { AdautomixError } from '../errors.js';
import type { ImageFile } from './decode.js';

export interface ImageSplits {
  train: ImageFile[];
  test: ImageFile[];
  classNames: string[];
  /** Which layout was read, for messages. */
  layout: string;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif']);

const dataError = (message: string, cause?: unknown) =>
  new AdautomixError(message, 'E_DATA', undefined, cause === undefined ? undefined : { cause });

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

const hidden = (name: string) => name.startsWith('.');

/**
 * Every image file under `dir`, at any depth, by path; hidden files and folders left out (macOS's
 * `._name.jpg` resource forks, .ipynb_checkpoints).
 */
export async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .filter((e) => !hidden(e.name) && !relative(dir, e.parentPath).split(sep).some(hidden))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The folders in `dir`, sorted; hidden ones (.git, .ipynb_checkpoints) are no classes. */
async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !hidden(e.name)).map((e) => e.name).sort();
}

async function classFolderSplit(dir: string, classNames: string[]): Promise<ImageFile[]> {
  const present = await subfolders(dir);
  const unknown = present.filter((name) => !classNames.includes(name));
  if (unknown.length > 0) {
    throw dataError(`${dir} has class folder(s) the training split lacks: ${unknown.slice(0, 5).join(', ')}`);
  }
  const files: ImageFile[] = [];
  for (const name of present) {
    for (const path of await imagesUnder(join(dir, name))) files.push({ path, label: classNames.indexOf(name) });
  }
  return files;
}

/**
 * DIR/train/<class>/... with DIR/val/<class>/... or DIR/test/<class>/.... With `noTestSplit` (a
 * validation split will be held out of the training images), DIR/train/ alone or DIR/<class>/...
 * will do, and `test` is empty.
 */
export async function scanClassFolders(dir: string, noTestSplit = false): Promise<ImageSplits> {
  const nested = await isDirectory(join(dir, 'train'));
  const trainDir = nested ? join(dir, 'train') : dir;
  const testDir = (await isDirectory(join(dir, 'val'))) ? join(dir, 'val') : join(dir, 'test');
  const hasTest = nested && (await isDirectory(testDir));
  if (!noTestSplit && !hasTest) {
    throw dataError(
      `${dir} is not an image-folder dataset: expected ${join(dir, 'train')}/<class>/<images> and ${join(dir, 'val')}/<class>/<images> (or test/); ` +
        'class folders without a test split need a validation split held out of them (train --val-split 0.1, dataset.validation)',
    );
  }
  const classNames = await subfolders(trainDir);
  if (classNames.length < 2) throw dataError(`${trainDir} needs at least two class folders, found ${classNames.length}`);
  const train = await classFolderSplit(trainDir, classNames);
  const test = noTestSplit ? [] : await classFolderSplit(testDir, classNames);
  if (train.length === 0 || (!noTestSplit && test.length === 0)) throw dataError(`no images found under ${train.length === 0 ? trainDir : testDir}`);
  return { train, test, classNames, layout: nested ? 'class folders' : 'class folders without train/' };
}

/** Tiny-ImageNet-200 as distributed (tiny-imagenet-200/), `dir` being it or its parent. */
export async function scanTinyImageNet(dir: string): Promise<ImageSplits> {
  const root = (await isFile(join(dir, 'wnids.txt'))) ? dir : join(dir, 'tiny-imagenet-200');
  const annotations = join(root, 'val', 'val_annotations.txt');
  if (!(await isFile(join(root, 'wnids.txt'))) || !(await isFile(annotations))) {
    throw dataError(
      `Tiny-ImageNet not found in ${dir}: expected wnids.txt, train/<wnid>/images/*.JPEG and val/val_annotations.txt ` +
        `in it or in ${join(dir, 'tiny-imagenet-200')} (the extracted tiny-imagenet-200.zip)`,
    );
  }
  const classNames = await subfolders(join(root, 'train'));
  const train = await classFolderSplit(join(root, 'train'), classNames);
  const lines = (await readFile(annotations, 'utf8')).split('\n');
  const test: ImageFile[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const [file, wnid] = line.split('\t');
    const label = classNames.indexOf(wnid ?? '');
    if (!file || label < 0) throw dataError(`${annotations}:${i + 1}: expected 'file<TAB>wnid...' with a wnid of train/, got '${line.slice(0, 80)}'`);
    test.push({ path: join(root, 'val', 'images', file), label, origin: `${annotations}:${i + 1}` });
  });
  return { train, test, classNames, layout: 'Tiny-ImageNet' };
}

interface ListLine {
  path: string;
  /** The label as written: an integer, or a class name. */
  label: string;
  origin: string;
}

/** `relative/path label` lines; the path may hold spaces (the label is the last field). */
async function readList(listPath: string, imageRoot: string): Promise<ListLine[]> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (error) {
    throw dataError(`cannot read the image list ${listPath}: ${(error as Error).message}`, error);
  }
  const lines: ListLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(.*\S)\s+(\S+)$/.exec(line);
    if (!match) throw dataError(`${listPath}:${i + 1}: expected 'relative/path label' (an integer label ≥ 0 or a class name), got '${line.slice(0, 80)}'`);
    lines.push({ path: join(imageRoot, match[1]!), label: match[2]!, origin: `${listPath}:${i + 1}` });
  });
  if (lines.length === 0) throw dataError(`the image list ${listPath} names no images`);
  return lines;
}

/**
 * Train and test lists. Labels are integers 0..K−1 (classes from the training list), or else
 * class names, numbered in sorted order. The test labels are checked against the classes. With
 * `noTestSplit` (a validation split will be held out), a missing test list is no error.
 */
export async function scanImageLists(trainList: string, testList: string, imageRoot: string, noTestSplit = false): Promise<ImageSplits> {
  const trainLines = await readList(trainList, imageRoot);
  const testLines = noTestSplit && !(await isFile(testList)) ? [] : await readList(testList, imageRoot);
  const isNumber = (l: ListLine) => /^\d+$/.test(l.label);
  const numbered = isNumber(trainLines[0]!);
  // One kind of label per list: a stray line (a path with a space and no label) is no class name.
  const other = trainLines.find((l) => isNumber(l) !== numbered);
  if (other) {
    throw dataError(`${other.origin}: label '${other.label}' is ${numbered ? 'a class name' : 'an integer'}, but ${trainLines[0]!.origin} has ${numbered ? 'an integer' : 'a class name'} ('${trainLines[0]!.label}'); a list takes one kind`);
  }
  const classNames = numbered
    ? Array.from({ length: Math.max(...trainLines.map((l) => Number(l.label))) + 1 }, (_, k) => String(k))
    : [...new Set(trainLines.map((l) => l.label))].sort();
  const classes = classNames.length;
  if (classes < 2) throw dataError(`${trainList} has fewer than two classes`);
  // A map, not indexOf: an ImageNet-sized list has a million lines and a thousand names.
  const byName = new Map(classNames.map((name, k) => [name, k]));
  const labelOf = (l: ListLine) => (numbered ? (isNumber(l) ? Number(l.label) : -1) : (byName.get(l.label) ?? -1));
  const toFile = (l: ListLine): ImageFile => ({ path: l.path, label: labelOf(l), origin: l.origin });
  const train = trainLines.map(toFile);
  const test = testLines.map(toFile);
  const outside = test.findIndex((f) => f.label < 0 || f.label >= classes);
  if (outside >= 0) {
    const line = testLines[outside]!;
    throw dataError(
      numbered
        ? `${line.origin}: label ${line.label} is outside the ${classes} classes of ${trainList} (0..${classes - 1})`
        : `${line.origin}: class '${line.label}' has no image in ${trainList}`,
    );
  }
  const seen = new Set(train.map((f) => f.label));
  if (seen.size !== classes) {
    const missing = Array.from({ length: classes }, (_, k) => k).find((k) => !seen.has(k));
    throw dataError(`${trainList} has no image of class ${missing} (its labels run 0..${classes - 1}, every class needs training images)`);
  }
  return { train, test, classNames, layout: 'image lists' };
}
