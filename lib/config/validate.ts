/** Validators shared by the config resolvers: each names the option and what it got. */
import { configError } from '../errors.js';

/** A value as an error message shows it; never throws, whatever the value (symbols, cycles, bigints). */
export function describe(v: unknown, depth = 0): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return depth > 3 ? '[…]' : `[${v.map((x) => describe(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object' && v !== null) {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {}
    if (text === undefined) return 'an object';
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  return String(v);
}

export function int(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(`${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function num(name: string, value: unknown, min: number, max: number, minExclusive = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) throw configError(`${name} must be a number in ${minExclusive ? '(' : '['}${min}, ${max}], got ${describe(value)}`);
  return value as number;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw configError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw configError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

export function optionalNumbers(name: string, value: unknown, positive: boolean): number[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw configError(`${name} must be a non-empty array of numbers, got ${describe(value)}`);
  }
  if (positive && value.some((v: number) => v <= 0)) throw configError(`${name} values must be > 0, got ${describe(value)}`);
  return value as number[];
}

export function checkKeys(name: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw configError(`${name ? `${name}.` : ''}${key} is not an option; known: ${allowed.join(', ')}`);
    }
  }
}

/** A config section: an object with named fields, not null and not an array. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function section<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw configError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

