/**
 * The public API is usable from TypeScript: every type that an export's signature mentions (a
 * parameter, a return value, a property, a base type) can itself be imported from 'adautomix'.
 * Otherwise a user can receive a value they cannot name, or must build an argument they cannot
 * construct (RunLogger.open once needed a RunDir that was not exported).
 *
 * Walks the types with the TypeScript checker, from lib/index.ts. Needs the typescript package
 * (a dev dependency; absent on the GPU machine, where this file is skipped).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as TS from 'typescript';
import { packageRoot } from '../lib/native.js';

const typescript = await import('typescript').then((m) => m.default as typeof TS).catch(() => null);

/** Constructors that are no API: "use createTrainer / createMixer" (they take the native trainer). */
const INTERNAL_CONSTRUCTORS = new Set(['Trainer', 'Mixer']);
/** Exports documented as low level and unstable: loadNative() gives the raw addon (buildInfo() is the API). */
const LOW_LEVEL = new Set(['loadNative']);

/** Every export of the package entry, and the types their signatures name that are not exported. */
function publicApi(ts: typeof TS): { exports: string[]; unexported: string[] } {
  const lib = join(packageRoot, 'lib');
  const entry = join(lib, 'index.ts');
  const program = ts.createProgram([entry], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: TS.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exportSymbols = checker.getExportsOfModule(moduleSymbol);
  const exported = new Set(exportSymbols.map(resolve));
  const ours = (symbol: TS.Symbol | undefined) =>
    !!symbol?.declarations?.some((d) => d.getSourceFile().fileName.startsWith(lib));
  const hidden = (member: TS.Symbol) =>
    member.name.startsWith('#') ||
    !!member.declarations?.some((d) => ts.getCombinedModifierFlags(d as TS.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
  const unexported = new Set<string>();
  const seen = new Set<TS.Type>();

  const visitSignature = (signature: TS.Signature, where: string) => {
    for (const parameter of signature.getParameters()) {
      visitType(checker.getTypeOfSymbol(parameter), `${where}(${parameter.name})`);
    }
    visitType(signature.getReturnType(), `${where}()`);
  };

  /** Public (not private, protected or #) properties and methods of a type, with their types. */
  const visitMembers = (type: TS.Type, where: string) => {
    for (const property of checker.getPropertiesOfType(type)) {
      if (hidden(property)) continue;
      visitType(checker.getTypeOfSymbol(property), `${where}.${property.name}`);
    }
    for (const signature of type.getCallSignatures()) visitSignature(signature, where);
    for (const signature of type.getConstructSignatures()) visitSignature(signature, `new ${where}`);
    for (const base of type.isClassOrInterface() ? checker.getBaseTypes(type) : []) visitType(base, `${where} extends`);
  };

  function visitType(type: TS.Type, where: string): void {
    if (seen.has(type)) return;
    seen.add(type);
    const anonymous = ts.SymbolFlags.TypeLiteral | ts.SymbolFlags.ObjectLiteral | ts.SymbolFlags.Function | ts.SymbolFlags.Method;
    const named = type.aliasSymbol ?? (type.flags & ts.TypeFlags.Object && type.symbol && !(type.symbol.flags & anonymous) ? type.symbol : undefined);
    if (named && ours(named)) {
      // A named type of ours: it must be exported; its own members are checked as an export.
      if (!exported.has(named) && named.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias)) {
        unexported.add(`${named.name} (in ${where})`);
      }
      return;
    }
    if (type.isUnionOrIntersection()) return type.types.forEach((t) => visitType(t, where));
    for (const argument of type.aliasTypeArguments ?? []) visitType(argument, where);
    if (type.flags & ts.TypeFlags.Object) {
      const reference = type as TS.TypeReference;
      if ((type as TS.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
        for (const argument of checker.getTypeArguments(reference)) visitType(argument, where);
      }
      // Anonymous object types (literals, function types) are part of the signature itself.
      if (!named) visitMembers(type, where);
    }
  }

  for (const symbol of exportSymbols.map(resolve)) {
    const where = symbol.name;
    if (LOW_LEVEL.has(where)) continue;
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      // The export's own structure: an interface's members, an alias's union parts or members.
      const declared = checker.getDeclaredTypeOfSymbol(symbol);
      if (declared.isUnionOrIntersection()) declared.types.forEach((t) => visitType(t, where));
      else visitMembers(declared, where);
    }
    if (symbol.flags & ts.SymbolFlags.Class) {
      visitMembers(checker.getDeclaredTypeOfSymbol(symbol), where);
      const staticSide = checker.getTypeOfSymbol(symbol);
      for (const property of checker.getPropertiesOfType(staticSide)) {
        if (property.name === 'prototype') continue;
        if (hidden(property)) continue;
        visitType(checker.getTypeOfSymbol(property), `${where}.${property.name}`);
      }
      const constructor = symbol.declarations?.flatMap((d) => (ts.isClassDeclaration(d) ? d.members.filter(ts.isConstructorDeclaration) : []))[0];
      const privateConstructor = constructor && ts.getCombinedModifierFlags(constructor) & ts.ModifierFlags.Private;
      if (!INTERNAL_CONSTRUCTORS.has(symbol.name) && !privateConstructor) {
        for (const signature of staticSide.getConstructSignatures()) visitSignature(signature, `new ${where}`);
      }
    } else if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
      visitType(checker.getTypeOfSymbol(symbol), where);
    }
  }
  return { exports: exportSymbols.map((s) => s.name).sort(), unexported: [...unexported].sort() };
}

describe.skipIf(!typescript)('the public API', () => {
  const api = typescript ? publicApi(typescript) : { exports: [], unexported: [] };

  it('exports every type its signatures name', () => {
    expect(api.exports.length).toBeGreaterThan(90);
    expect(api.unexported).toEqual([]);
  });

  it('is documented: every export has its entry in docs/api.md', () => {
    const reference = readFileSync(join(packageRoot, 'docs', 'api.md'), 'utf8');
    const missing = api.exports.filter((name) => !new RegExp('`[^`\\n]*\\b' + name + '\\b[^`\\n]*`').test(reference));
    expect(missing).toEqual([]);
    expect(readdirSync(join(packageRoot, 'docs'))).toContain('api.md');
  });
});
