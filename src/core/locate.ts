// Finds the runnable top-level target (function, class with run(), static method) at a cursor offset or by name.
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type * as t from '@babel/types';
import type { ParserPlugin } from '@babel/parser';
import { UserError, type TargetSelector } from './api';
import { loadBabelParser } from './lazyModules';
import type { TargetInfo } from '../shared/report';

/** What `locateTarget` knows beyond TargetInfo: how the bundler reaches the target inside the user's module. */
export interface TargetBinding {
  target: TargetInfo;
  /**
   * A JS expression, valid at the end of the user's module, that evaluates to the target's function or class
   * (`f`, `C`, `module.exports.f`); undefined for an anonymous default export, reached through the module's `default`.
   */
  accessor?: string;
  /** For a static method: its name on the class the accessor gives. */
  member?: string;
  /** 'cjs' when the module is CommonJS (an export line must assign module.exports, not use `export`). */
  moduleFormat: 'esm' | 'cjs';
}

/** What can run, for messages (made when used: the l10n bundle is read after this module loads). */
function supportedTargets(): string {
  return l10n.t(
    'a top-level function declaration, `const f = (…) => …` or `const f = function (…) {…}`, `export default function`, a class with a run() method (each task runs `new C(...args).run()`), or a static method of a class',
  );
}

const SUPPORTED_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** A top-level statement's candidate, or the reason the thing under the cursor cannot run. */
interface Candidate {
  binding: TargetBinding;
  /** Source range the cursor may be in to pick this candidate. */
  start: number;
  end: number;
  /** Picked before the class-run candidate of the same class when the cursor is inside it. */
  nested?: boolean;
  /** The module's default export (found by the name 'default' too). */
  isDefault?: boolean;
}

interface Refusal {
  start: number;
  end: number;
  reason: string;
  /** A refusal for a name (generators are refused by name as well as by cursor). */
  name?: string;
}

interface FileScan {
  candidates: Candidate[];
  refusals: Refusal[];
  /** Set for a class without run(): the class name and its range, for a clear message. */
  classesWithoutRun: { name: string; start: number; end: number }[];
  /** TypeScript overload signatures: the cursor on one picks the implementation of that name. */
  overloads: { name: string; start: number; end: number }[];
}

/** Every runnable top-level target, for CodeLens. Never throws on syntax errors or unsupported files (returns []). */
export async function listTargets(source: string, file: string): Promise<TargetInfo[]> {
  if (!isSupportedFile(file)) return [];
  try {
    const scan = await scanFile(source, file);
    return uniqueTargets(scan.candidates);
  } catch (error) {
    if (error instanceof UserError) return [];
    throw error;
  }
}

/** The target at the cursor offset or with the given name; throws UserError saying what is supported. */
export async function locateTarget(source: string, file: string, selector: TargetSelector): Promise<TargetInfo> {
  return (await locateTargetBinding(source, file, selector)).target;
}

/** As locateTarget, plus what the bundler needs to export the target from the user's module. */
export async function locateTargetBinding(source: string, file: string, selector: TargetSelector): Promise<TargetBinding> {
  if (!isSupportedFile(file)) {
    throw new UserError(
      l10n.t('{0}: unsupported file type "{1}"; Parallel Runner runs {2} files', path.basename(file), path.extname(file) || l10n.t('(none)'), SUPPORTED_EXTENSIONS.join(' ')),
    );
  }
  const scan = await scanFile(source, file);
  if (selector.name !== undefined) return findByName(scan, file, selector.name);
  if (selector.offset !== undefined) return findAtOffset(scan, source, file, selector.offset);
  throw new UserError(l10n.t('No target given: put the cursor in a function or give its name.'));
}

function isSupportedFile(file: string): boolean {
  return SUPPORTED_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** One target per name, in source order. */
function uniqueTargets(candidates: Candidate[]): TargetInfo[] {
  const seen = new Set<string>();
  const targets: TargetInfo[] = [];
  for (const { binding } of candidates) {
    if (seen.has(binding.target.name)) continue;
    seen.add(binding.target.name);
    targets.push(binding.target);
  }
  return targets.sort((a, b) => a.line - b.line || a.column - b.column);
}

function runnableNames(scan: FileScan): string {
  const names = uniqueTargets(scan.candidates).map((target) => target.name);
  return names.length > 0 ? l10n.t('Runnable targets in this file: {0}.', names.join(', ')) : l10n.t('This file has no runnable targets.');
}

function findByName(scan: FileScan, file: string, name: string): TargetBinding {
  const exact = scan.candidates.find((candidate) => candidate.binding.target.name === name);
  if (exact) return exact.binding;
  if (name === 'default') {
    const defaultExport = scan.candidates.find((candidate) => candidate.isDefault);
    if (defaultExport) return defaultExport.binding;
  }
  const refusal = scan.refusals.find((r) => r.name === name);
  if (refusal) throw new UserError(`${path.basename(file)}: ${refusal.reason}`);
  const plainClass = scan.classesWithoutRun.find((c) => c.name === name);
  if (plainClass) throw new UserError(classWithoutRunMessage(file, plainClass.name, scan));
  throw new UserError(l10n.t('{0}: no runnable target named "{1}". {2}', path.basename(file), name, runnableNames(scan)));
}

function classWithoutRunMessage(file: string, className: string, scan: FileScan): string {
  return l10n.t(
    '{0}: class {1} has no run() method. Add run() (each task runs `new {1}(...args).run()`), or put the cursor in one of its static methods. {2}',
    path.basename(file),
    className,
    runnableNames(scan),
  );
}

function findAtOffset(scan: FileScan, source: string, file: string, offset: number): TargetBinding {
  const contains = (range: { start: number; end: number }) => range.start <= offset && offset <= range.end;
  // Refusals (generators, object methods) sit inside a statement's range and are more specific than it.
  const refusal = scan.refusals.find(contains);
  const nested = scan.candidates.find((candidate) => candidate.nested && contains(candidate));
  if (nested) return nested.binding;
  if (refusal) throw new UserError(`${path.basename(file)}: ${refusal.reason} ${runnableNames(scan)}`);
  const candidate = scan.candidates.find(contains);
  if (candidate) return candidate.binding;
  const overload = scan.overloads.find(contains);
  const implementation = overload && scan.candidates.find((c) => c.binding.target.name === overload.name);
  if (implementation) return implementation.binding;
  const plainClass = scan.classesWithoutRun.find(contains);
  if (plainClass) throw new UserError(classWithoutRunMessage(file, plainClass.name, scan));
  const { line, column } = lineAndColumn(source, offset);
  throw new UserError(
    l10n.t('{0}:{1}:{2}: the cursor is not inside a runnable top-level target. Put it in {3}. {4}', path.basename(file), line, column, supportedTargets(), runnableNames(scan)),
    { file, line, column },
  );
}

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, offset));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function parserPlugins(file: string): ParserPlugin[] {
  const ext = path.extname(file).toLowerCase();
  const plugins: ParserPlugin[] = ['decorators-legacy'];
  if (ext === '.ts' || ext === '.mts' || ext === '.cts' || ext === '.tsx') plugins.push('typescript');
  if (ext === '.tsx' || ext === '.jsx' || ext === '.js') plugins.push('jsx');
  return plugins;
}

async function parseFile(source: string, file: string): Promise<t.File> {
  const { parse } = loadBabelParser();
  try {
    return parse(source, {
      sourceType: 'unambiguous',
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: path.extname(file).toLowerCase() === '.cjs',
      allowImportExportEverywhere: false,
      errorRecovery: false,
      plugins: parserPlugins(file),
    });
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    if (error instanceof SyntaxError && loc) {
      const message = error.message.replace(/\s*\(\d+:\d+\)$/, '');
      const column = loc.column + 1;
      throw new UserError(`${file}:${loc.line}:${column}: ${message}`, { file, line: loc.line, column });
    }
    throw error;
  }
}

/** ESM unless the file is CommonJS: no import/export syntax, and .cjs/.cts or it assigns module.exports / exports. */
function moduleFormatOf(program: t.Program, source: string, file: string): 'esm' | 'cjs' {
  const ext = path.extname(file).toLowerCase();
  // Import/export syntax wins even in .cts: TypeScript compiles it to CommonJS, but the bundler reads it as ESM.
  const hasModuleSyntax = program.body.some((statement) => statement.type.startsWith('Import') || statement.type.startsWith('Export'));
  if (hasModuleSyntax) return 'esm';
  if (ext === '.cjs' || ext === '.cts') return 'cjs';
  if (ext === '.mjs' || ext === '.mts') return 'esm';
  return /\bmodule\.exports\b|\bexports\.[\w$]+\s*=/.test(source) ? 'cjs' : 'esm';
}

async function scanFile(source: string, file: string): Promise<FileScan> {
  const ast = await parseFile(source, file);
  const moduleFormat = moduleFormatOf(ast.program, source, file);
  const scan: FileScan = { candidates: [], refusals: [], classesWithoutRun: [], overloads: [] };
  const text = (node: t.Node) => source.slice(node.start!, node.end!);

  const position = (node: t.Node) => ({ line: node.loc!.start.line, column: node.loc!.start.column + 1 });
  const add = (
    name: string,
    kind: TargetInfo['kind'],
    at: t.Node,
    fn: FunctionLike | undefined,
    isAsync: boolean,
    accessor: string | undefined,
    range: t.Node,
    member?: string,
  ) => {
    const target: TargetInfo = { file, name, kind, ...position(at), params: fn ? paramNames(fn, text) : [], isAsync };
    const binding: TargetBinding = { target, accessor, moduleFormat, ...(member !== undefined ? { member } : {}) };
    scan.candidates.push({ binding, start: range.start!, end: range.end!, nested: member !== undefined });
  };
  /** Marks what the statement just scanned added (other than static methods) as the default export. */
  const markDefault = (from: number) => {
    for (const candidate of scan.candidates.slice(from)) if (!candidate.nested) candidate.isDefault = true;
  };

  const refuseGenerator = (name: string, range: t.Node) =>
    scan.refusals.push({
      name,
      start: range.start!,
      end: range.end!,
      reason: l10n.t('{0} is a generator (function*), which cannot run as a task: return an array (or a Promise) instead. Supported: {1}.', name, supportedTargets()),
    });

  const addFunction = (name: string, fn: FunctionLike, at: t.Node, accessor: string | undefined, range: t.Node) => {
    if ('generator' in fn && fn.generator) refuseGenerator(name, range);
    else add(name, 'function', at, fn, fn.async ?? false, accessor, range);
  };

  const addClass = (node: t.ClassDeclaration | t.ClassExpression, name: string, at: t.Node, accessor: string | undefined, range: t.Node) => {
    let runMember: t.ClassMethod | t.ClassProperty | undefined;
    let constructor: t.ClassMethod | undefined;
    for (const member of node.body.body) {
      const memberName = memberKeyName(member);
      if (member.type === 'ClassMethod' && member.kind === 'constructor') constructor = member;
      if (memberName === undefined || !('static' in member)) continue;
      if (member.static) {
        const qualified = `${name}.${memberName}`;
        if (member.type === 'ClassMethod' && member.kind === 'method') {
          if (member.generator) refuseGenerator(qualified, member);
          else add(qualified, 'static-method', member.key, member, member.async, accessor, member, memberName);
        } else if (member.type === 'ClassProperty' && member.value && isFunctionValue(member.value)) {
          addFunctionProperty(qualified, memberName, member, member.value, accessor);
        }
      } else if (memberName === 'run' && (member.type === 'ClassMethod' || (member.type === 'ClassProperty' && member.value && isFunctionValue(member.value)))) {
        runMember = member;
      }
    }
    if (!runMember) {
      scan.classesWithoutRun.push({ name, start: range.start!, end: range.end! });
      return;
    }
    const runIsAsync = runMember.type === 'ClassMethod' ? runMember.async : Boolean((runMember.value as FunctionLike).async);
    add(name, 'class-run', at, constructor, runIsAsync, accessor, range);
  };

  const addFunctionProperty = (qualified: string, memberName: string, member: t.ClassProperty, value: FunctionLike, accessor: string | undefined) => {
    if ('generator' in value && value.generator) refuseGenerator(qualified, member);
    else add(qualified, 'static-method', member.key, value, value.async ?? false, accessor, member, memberName);
  };

  const refuseObjectMethods = (object: t.ObjectExpression) => {
    for (const property of object.properties) {
      const fn = property.type === 'ObjectMethod' ? property : property.type === 'ObjectProperty' && isFunctionValue(property.value) ? property.value : undefined;
      if (!fn) continue;
      const key = property.type === 'SpreadElement' ? '?' : memberKeyName(property) ?? '?';
      scan.refusals.push({
        start: property.start!,
        end: property.end!,
        reason: l10n.t(
          '{0} is a method of an object literal, which Parallel Runner cannot call on its own. Move it to a top-level function (`function {0}(…) {…}`). Supported: {1}.',
          key,
          supportedTargets(),
        ),
      });
    }
  };

  for (const statement of ast.program.body) {
    let declaration: t.Node = statement;
    if (statement.type === 'ExportNamedDeclaration' && statement.declaration) declaration = statement.declaration;
    if (statement.type === 'ExportDefaultDeclaration') {
      const before = scan.candidates.length;
      const exported = statement.declaration;
      if (exported.type === 'FunctionDeclaration' || exported.type === 'FunctionExpression' || exported.type === 'ArrowFunctionExpression') {
        const id = 'id' in exported ? exported.id : null;
        addFunction(id ? id.name : 'default', exported, id ?? exported, id ? id.name : undefined, statement);
      } else if (exported.type === 'ClassDeclaration' || exported.type === 'ClassExpression') {
        addClass(exported, exported.id ? exported.id.name : 'default', exported.id ?? exported, exported.id ? exported.id.name : undefined, statement);
      } else if (exported.type === 'ObjectExpression') {
        refuseObjectMethods(exported);
      }
      markDefault(before);
      continue;
    }
    switch (declaration.type) {
      case 'FunctionDeclaration':
        if (declaration.id) addFunction(declaration.id.name, declaration, declaration.id, declaration.id.name, statement);
        break;
      case 'ClassDeclaration':
        if (declaration.id) addClass(declaration, declaration.id.name, declaration.id, declaration.id.name, statement);
        break;
      case 'VariableDeclaration':
        for (const declarator of declaration.declarations) {
          // A single declarator owns the whole statement (so the cursor on `export const` picks it).
          const range = declaration.declarations.length === 1 ? statement : declarator;
          if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
          const init = unwrapExpression(declarator.init);
          const name = declarator.id.name;
          if (isFunctionValue(init)) addFunction(name, init, declarator.id, name, range);
          else if (init.type === 'ClassExpression') addClass(init, name, declarator.id, name, range);
          else if (init.type === 'ObjectExpression') refuseObjectMethods(init);
        }
        break;
      case 'TSDeclareFunction':
        if (declaration.id) scan.overloads.push({ name: declaration.id.name, start: statement.start!, end: statement.end! });
        break;
      case 'ExpressionStatement':
        scanCommonJsExport(declaration.expression, statement);
        break;
    }
  }

  // `module.exports.f = function …`, `exports.f = (…) => …`, `module.exports = function …`.
  function scanCommonJsExport(expression: t.Expression, statement: t.Statement) {
    if (expression.type !== 'AssignmentExpression' || expression.operator !== '=') return;
    const value = unwrapExpression(expression.right);
    const exportName = commonJsExportName(expression.left);
    if (exportName === undefined) return;
    if (value.type === 'ObjectExpression') {
      refuseObjectMethods(value);
      return;
    }
    const accessor = exportName === 'default' ? 'module.exports' : `module.exports[${JSON.stringify(exportName)}]`;
    const at = expression.left.type === 'MemberExpression' && exportName !== 'default' ? expression.left.property : expression.left;
    const before = scan.candidates.length;
    if (isFunctionValue(value)) {
      const ownName = 'id' in value && value.id ? value.id.name : undefined;
      addFunction(exportName === 'default' ? (ownName ?? 'default') : exportName, value, at, accessor, statement);
    } else if (value.type === 'ClassExpression') {
      addClass(value, exportName === 'default' ? (value.id?.name ?? 'default') : exportName, at, accessor, statement);
    }
    if (exportName === 'default') markDefault(before);
  }

  return scan;
}

type FunctionLike = t.FunctionDeclaration | t.FunctionExpression | t.ArrowFunctionExpression | t.ClassMethod | t.ObjectMethod;

function isFunctionValue(node: t.Node): node is t.FunctionExpression | t.ArrowFunctionExpression {
  return node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

/** Looks through `(…)`, `… as T`, `…!` and `… satisfies T` around an initializer. */
function unwrapExpression(node: t.Expression): t.Expression {
  let current: t.Expression = node;
  for (;;) {
    if (current.type === 'ParenthesizedExpression' || current.type === 'TSAsExpression' || current.type === 'TSSatisfiesExpression' || current.type === 'TSNonNullExpression') {
      current = current.expression;
    } else {
      return current;
    }
  }
}

/** 'f' for `module.exports.f` / `exports.f` / `module.exports['f']`, 'default' for `module.exports`, else undefined. */
function commonJsExportName(left: t.LVal | t.OptionalMemberExpression): string | undefined {
  if (left.type !== 'MemberExpression') return undefined;
  const isModuleExports = (node: t.Node) =>
    node.type === 'MemberExpression' &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    !node.computed &&
    node.property.type === 'Identifier' &&
    node.property.name === 'exports';
  if (isModuleExports(left)) return 'default';
  const objectIsExports = isModuleExports(left.object) || (left.object.type === 'Identifier' && left.object.name === 'exports');
  if (!objectIsExports) return undefined;
  if (!left.computed && left.property.type === 'Identifier') return left.property.name;
  if (left.computed && left.property.type === 'StringLiteral') return left.property.value;
  return undefined;
}

function memberKeyName(member: t.Node): string | undefined {
  if (!('key' in member) || !member.key || ('computed' in member && member.computed)) return undefined;
  const key = member.key as t.Node;
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'StringLiteral') return key.value;
  return undefined;
}

/** Parameter names as written: `a`, `{a, b}`, `[x, y]`, `...rest`; types and defaults left out. */
function paramNames(fn: FunctionLike, text: (node: t.Node) => string): string[] {
  const names: string[] = [];
  for (const param of fn.params) {
    const inner = param.type === 'TSParameterProperty' ? param.parameter : param;
    if (inner.type === 'Identifier' && inner.name === 'this') continue;
    names.push(patternText(inner as t.Node, text));
  }
  return names;
}

function patternText(node: t.Node, text: (node: t.Node) => string): string {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'AssignmentPattern':
      return patternText(node.left, text);
    case 'RestElement':
      return `...${patternText(node.argument, text)}`;
    case 'ArrayPattern':
      return `[${node.elements.map((element) => (element ? patternText(element, text) : '')).join(', ')}]`;
    case 'ObjectPattern':
      return `{${node.properties
        .map((property) => {
          if (property.type === 'RestElement') return patternText(property, text);
          const key = property.computed ? `[${text(property.key)}]` : text(property.key);
          return property.shorthand ? key : `${key}: ${patternText(property.value, text)}`;
        })
        .join(', ')}}`;
    default:
      return text(node);
  }
}
