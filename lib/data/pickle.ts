/**
 * A small reader for Python pickles, enough for dataset files such as CIFAR's Python version
 * (dicts of lists, byte strings and NumPy arrays), so that no Python is needed at run time.
 * It evaluates the pickle opcodes of protocols 0-5 that plain data uses. The only globals it
 * accepts are NumPy's array reconstruction (`_reconstruct`, `_frombuffer`, `ndarray`, `dtype`):
 * anything else is refused, so a pickle cannot run code here.
 */
import { AdautomixError } from '../errors.js';

/** A NumPy array as stored in the pickle: dtype string ('u1', '<i8', ...), shape and raw bytes. */
export interface PickledArray {
  kind: 'ndarray';
  dtype: string;
  shape: number[];
  /** Row-major (C order) bytes; Fortran-ordered arrays are refused. */
  data: Uint8Array;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<string, PickleValue>
  | PickledArray;

interface Global {
  kind: 'global';
  name: string;
}
interface Dtype {
  kind: 'dtype';
  dtype: string;
  byteOrder: string;
}
type Item = PickleValue | Global | Dtype | typeof MARK;
const MARK = Symbol('mark');

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.ndarray',
  'numpy.dtype',
  'builtins.bytearray',
  '__builtin__.bytearray',
  '_codecs.encode',
]);

const utf8 = new TextDecoder('utf-8');

/**
 * Bytes as ISO-8859-1 text, one character per byte, as Python's 'latin1' codec reads them. Not
 * TextDecoder('latin1'): WHATWG makes that label windows-1252, which maps 0x80-0x9F elsewhere
 * (Node 24 does; Node 20 did not), and so corrupted image bytes in protocol-0 pickles.
 */
export function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function dictKey(key: Item, fail: (m: string) => never): string {
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return latin1Text(key);
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  return fail('a dict key that is not a string, bytes or number');
}

/** Parses the quoted literal of protocol 0's STRING opcode ('...' or "..." with Python escapes). */
function parseStringLiteral(text: string, fail: (m: string) => never): Uint8Array {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) fail('a malformed STRING literal');
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out.push(ch.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[++i];
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, '0': 0 };
    if (next === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next !== undefined && /[0-7]/.test(next) && /[0-7]/.test(body[i + 1] ?? '')) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) digits += body[++i];
      out.push(parseInt(digits, 8) & 0xff);
    } else if (next !== undefined && next in simple) {
      out.push(simple[next]!);
    } else {
      fail(`an unknown escape \\${next} in a STRING literal`);
    }
  }
  return Uint8Array.from(out);
}

/**
 * Reads one pickle. `what` names the source in errors (E_DATA), e.g. the file path.
 */
export function readPickle(bytes: Uint8Array, what: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let stack: Item[] = [];
  const marks: Item[][] = [];
  const memo = new Map<number, Item>();

  const fail = (message: string): never => {
    throw new AdautomixError(`${what}: cannot read this pickle at byte ${pos}: ${message}`, 'E_DATA');
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('the file ends early');
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length beyond 2^53');
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = () => {
    const end = bytes.indexOf(10, pos);
    if (end < 0) fail('a text argument without its newline');
    const text = latin1Text(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): Item => (stack.length === 0 ? fail('an empty stack') : stack.pop()!);
  const popMark = (): Item[] => {
    const items = stack;
    if (marks.length === 0) fail('a missing MARK');
    stack = marks.pop()!;
    return items;
  };
  const top = (): Item => (stack.length === 0 ? fail('an empty stack') : stack[stack.length - 1]!);
  const littleInt = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return narrow(v);
  };
  const asList = (item: Item): PickleValue[] => (Array.isArray(item) ? item : fail('APPEND to something that is not a list'));
  const asDict = (item: Item): Map<string, PickleValue> => (item instanceof Map ? item : fail('SETITEM on something that is not a dict'));

  const reduce = (fn: Item, args: Item): Item => {
    if (typeof fn !== 'object' || fn === null || (fn as Global).kind !== 'global') return fail('REDUCE of something that is not a global');
    const name = (fn as Global).name;
    const a = Array.isArray(args) ? (args as Item[]) : fail('REDUCE arguments that are not a tuple');
    if (name.endsWith('._reconstruct')) return { kind: 'ndarray', dtype: '', shape: [], data: new Uint8Array() } satisfies PickledArray;
    if (name === 'numpy.dtype') return { kind: 'dtype', dtype: String(a[0]), byteOrder: '|' } satisfies Dtype;
    if (name.endsWith('._frombuffer')) {
      const [buffer, dtype, shape, order] = a;
      if (!(buffer instanceof Uint8Array) || (dtype as Dtype)?.kind !== 'dtype' || !Array.isArray(shape)) fail('a malformed _frombuffer');
      if (order === 'F') fail('a Fortran-ordered array');
      return { kind: 'ndarray', dtype: dtypeString(dtype as Dtype), shape: (shape as number[]).map(Number), data: buffer as Uint8Array };
    }
    if (name.endsWith('.bytearray')) return a[0] instanceof Uint8Array ? a[0] : new Uint8Array();
    if (name === '_codecs.encode') {
      // Python 3 writes Python 2 byte strings as encode(text, 'latin1').
      if (typeof a[0] !== 'string') fail('a malformed _codecs.encode');
      return Uint8Array.from(a[0] as string, (c) => c.charCodeAt(0) & 0xff);
    }
    return fail(`REDUCE of ${name}`);
  };

  const build = (obj: Item, state: Item): void => {
    const s = Array.isArray(state) ? (state as Item[]) : fail('BUILD with a state that is not a tuple');
    if ((obj as Dtype)?.kind === 'dtype') {
      if (typeof s[1] === 'string') (obj as Dtype).byteOrder = s[1];
      return;
    }
    if ((obj as PickledArray)?.kind === 'ndarray') {
      // (version, shape, dtype, is_fortran, raw data)
      const [, shape, dtype, fortran, raw] = s;
      if (!Array.isArray(shape) || (dtype as Dtype)?.kind !== 'dtype') fail('a malformed ndarray state');
      if (fortran === true) fail('a Fortran-ordered array');
      const data = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? Uint8Array.from(raw, (c) => c.charCodeAt(0) & 0xff) : fail('an ndarray of Python objects');
      Object.assign(obj as PickledArray, { dtype: dtypeString(dtype as Dtype), shape: (shape as number[]).map(Number), data });
      return;
    }
    fail('BUILD on something that is not a NumPy array or dtype');
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: { // STOP
        const result = pop();
        if (result === MARK || (typeof result === 'object' && result !== null && 'kind' in result && result.kind !== 'ndarray')) {
          fail('a result that is not plain data');
        }
        return result as PickleValue;
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x64: { // DICT
        const items = popMark();
        const d = new Map<string, PickleValue>();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(dictKey(items[i]!, fail), items[i + 1] as PickleValue);
        stack.push(d);
        break;
      }
      case 0x6c: case 0x74: { // LIST, TUPLE (popMark swaps `stack`, so take the items first)
        const items = popMark();
        stack.push(items as PickleValue[]);
        break;
      }
      case 0x85: stack.push([pop() as PickleValue]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b] as PickleValue[]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c] as PickleValue[]); break; } // TUPLE3
      case 0x61: { const v = pop(); asList(top()).push(v as PickleValue); break; } // APPEND
      case 0x65: { const items = popMark(); asList(top()).push(...(items as PickleValue[])); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); asDict(top()).set(dictKey(k, fail), v as PickleValue); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const d = asDict(top());
        for (let i = 0; i + 1 < items.length; i += 2) d.set(dictKey(items[i]!, fail), items[i + 1] as PickleValue);
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(littleInt(take(u8()))); break; // LONG1
      case 0x8b: stack.push(littleInt(take(i32()))); break; // LONG4
      case 0x47: need(8); pos += 8; stack.push(view.getFloat64(pos - 8, false)); break; // BINFLOAT
      case 0x49: { // INT (text); I01/I00 are booleans
        const t = line();
        stack.push(t === '01' ? true : t === '00' ? false : Number(t));
        break;
      }
      case 0x4c: stack.push(narrow(BigInt(line().replace(/L$/, '')))); break; // LONG
      case 0x46: stack.push(Number(line())); break; // FLOAT
      case 0x55: stack.push(take(u8()).slice()); break; // SHORT_BINSTRING (Python 2 str: bytes)
      case 0x54: stack.push(take(i32()).slice()); break; // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8
      case 0x53: stack.push(parseStringLiteral(line(), fail)); break; // STRING
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x56: stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u, U) => String.fromCodePoint(parseInt(u ?? U, 16)))); break; // UNICODE (raw-unicode-escape)
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(key)) fail(`a GET of memo ${key}, which was never PUT`);
        stack.push(memo.get(key)!);
        break;
      }
      case 0x63: { // GLOBAL
        const module = line();
        const name = `${module}.${line()}`;
        if (!ALLOWED_GLOBALS.has(name)) fail(`the global ${name} (only NumPy arrays are accepted)`);
        stack.push({ kind: 'global', name });
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const n = pop();
        const m = pop();
        const name = `${String(m)}.${String(n)}`;
        if (!ALLOWED_GLOBALS.has(name)) fail(`the global ${name} (only NumPy arrays are accepted)`);
        stack.push({ kind: 'global', name });
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(reduce(fn, args)); break; } // REDUCE
      case 0x62: { const state = pop(); build(top(), state); break; } // BUILD
      case 0x81: { const args = pop(); const cls = pop(); stack.push(reduce(cls, args)); break; } // NEWOBJ
      default:
        fail(`the opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A Python int as a JS number when it fits exactly, else as a bigint. */
function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function dtypeString(d: Dtype): string {
  const order = d.byteOrder === '>' ? '>' : d.byteOrder === '<' ? '<' : '';
  return `${order}${d.dtype.replace(/^[<>|=]/, '')}`;
}
