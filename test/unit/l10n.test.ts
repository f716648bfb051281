// Localization: every user-facing string of the extension goes through the l10n bundle, and the bundle and the manifest's
// package.nls.json are complete and current. A pseudo-localized bundle translates the panel page in real Chromium.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getL10nJson, getL10nPseudoLocalized, type l10nJsonFormat } from '@vscode/l10n-dev';
import type { Browser } from 'playwright-core';
import * as ts from 'typescript';
import { repoRoot } from '../harness/codeServer';
import { launchChromium, openExportedPage, openPanelPage } from '../webview/pageHarness';
import { makeDemoReport } from '../webview/sampleReport';

const BUNDLE = path.join(repoRoot, 'l10n', 'bundle.l10n.json');
/**
 * Where user-facing strings live: the host (vscode.l10n.t), the panel page, and the engine, the workers and the formats
 * they share with the page (@vscode/l10n's l10n.t, from the same bundle). Only the CLI's own file (src/cli.ts) is left out:
 * it runs outside VS Code, in English.
 */
const SOURCE_DIRS = ['src/vscode', 'src/webview', 'src/core', 'src/core/run', 'src/core/pools', 'src/core/python', 'src/core/export', 'src/shared', 'src/worker'];
const SOURCE_FILES = ['src/extension.ts'];

/**
 * Strings that look like prose but are not shown as text to translate: code written into the sample's folder, text the
 * sample is searched for, names of things (the product, its output channel), CSS and test ids. Each with its reason.
 */
const NOT_USER_FACING: Record<string, string> = {
  'Parallel Runner': 'the product name: output channel, status bar item name and panel title suffix stay as they are',
  'new ${…}': 'JavaScript: the call a class target makes (`new MyProcess(...)`), shown as code in the inputs box title',
  Untitled: 'the file name an untitled editor is given on disk, for its relative imports',
  "model.repeatsArePairs() ? 'pair' : 'run'": 'a key: the timeline translates the lane-group label it picks',
  // Error names: identifiers like TypeError, shown as they are in every language (and some compared by code and tests).
  Error: "an error's name, an identifier like TypeError",
  Timeout: "an error's name, an identifier like TypeError; also a Node resource name the worker looks for",
  Cancelled: "an error's name, an identifier like TypeError",
  Immediate: 'a Node resource name the worker looks for in process.getActiveResourcesInfo()',
  // Markers the engine parses back out of a task's console output.
  '[parallel-runner] ${…} outside any task: ${…}': 'a console line the host parses (STRAY_CRASH): the sentence it becomes is translated',
  'uncaught exception': 'the kind in that parsed console line',
  'unhandled promise rejection': 'the kind in that parsed console line',
  // Names of things: products, runtimes, pools.
  Node: 'the runtime’s name',
  Python: 'the runtime’s name',
  'Python ${…}': 'the runtime’s name and version',
  '${…} · multiprocessing Pool (${…})': "Python's pool class and start method, names from the standard library",
  '${…} · ThreadPoolExecutor · ${…}': "Python's pool class, a name from the standard library (the GIL note is translated)",
  Import: 'a Babel AST node type prefix the locator compares',
  Export: 'a Babel AST node type prefix the locator compares',
  Release: 'a folder name (build/Release) the bundler looks for',
  // Code the extension writes or hands to a tool, and internal errors that never reach the user.
  '<parallel-runner entry>': "the bundler's name for the generated entry, in its own diagnostics",
  '(...args) => new raw(...args).run()': 'JavaScript the bundler writes',
  '(...args) => raw[${…}](...args)': 'JavaScript the bundler writes',
  'void [typeof require, typeof __filename, typeof __dirname];': 'JavaScript the bundler writes',
  'const raw = ${…};': 'JavaScript the bundler writes',
  'const ${…} = ${…};': 'JavaScript the bundler writes',
  'const require = __parallelRunnerCreateRequire(${…});': 'JavaScript the bundler writes',
  'const __filename = ${…};': 'JavaScript the bundler writes',
  'const __dirname = ${…};': 'JavaScript the bundler writes',
  '\n;export { ${…} as ${…} };\n': 'JavaScript the bundler writes',
  'print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0], "freeThreaded": bool(g is not None and not g())}))':
    'Python the interpreter probe runs',
  'inputs (reading the value)': "a vm script's file name, in stack traces the message replaces",
  '/proc/stat cannot be read': 'an internal error, caught: the figure is reported as not measured, with its own reason',
  'img-src ${…} data:': 'a Content-Security-Policy directive',
  "default-src 'none'": 'a Content-Security-Policy directive',
  "script-src 'nonce-${…}'": 'a Content-Security-Policy directive',
  "default-src 'none'; img-src data:; style-src 'nonce-${…}'; script-src 'nonce-${…}'": 'a Content-Security-Policy',
  "if (typeof ${…} !== 'function') throw new TypeError(${…} + ' (got ' + typeof ${…} + ')');": 'JavaScript the bundler writes (its message is translated)',
};

function sourceFiles(): string[] {
  const files = [...SOURCE_FILES];
  for (const dir of SOURCE_DIRS) for (const name of fs.readdirSync(path.join(repoRoot, dir))) if (name.endsWith('.ts')) files.push(`${dir}/${name}`);
  return files.sort();
}

/** The name a literal is given to: the property, variable or parameter it ends up in (through `.trim()` and the like). */
function destination(node: ts.Node, source: ts.SourceFile): string {
  let at: ts.Node = node;
  for (;;) {
    if (ts.isParenthesizedExpression(at.parent)) at = at.parent;
    else if (ts.isPropertyAccessExpression(at.parent) && at.parent.expression === at && ts.isCallExpression(at.parent.parent)) at = at.parent.parent;
    else break;
  }
  const parent = at.parent;
  if (ts.isPropertyAssignment(parent) && parent.initializer === at) return parent.name.getText(source).replace(/['"]/g, '');
  if (ts.isVariableDeclaration(parent) && parent.initializer === at) return parent.name.getText(source);
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === at) return parent.left.getText(source).split('.').pop() ?? '';
  if (ts.isCallExpression(parent) && /\.(setAttribute|toggleAttribute)$/.test(parent.expression.getText(source)) && parent.arguments[1] === at) return parent.arguments[0].getText(source).replace(/['"]/g, '');
  if (ts.isCallExpression(parent) && parent.expression.getText(source) === 'button' && parent.arguments.indexOf(at as ts.Expression) === 3) return 'className';
  return '';
}

/** Prose: words with a space between them, or one capitalized word ("Open", "Speedup"); ids, CSS classes and keys are not. */
function looksLikeProse(text: string): boolean {
  return /[A-Za-z]{2,}[^\n]*\s[^\n]*[A-Za-z]{2,}/.test(text) || /^[A-Z][a-z]+[.…:]?$/.test(text.trim());
}

interface Bypass {
  where: string;
  text: string;
}

/** String and template literals that read as prose and are not the message argument of an l10n.t call. */
function bypasses(file: string): Bypass[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(repoRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Bypass[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isTypeNode(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source);
      if (/(^|\.)l10n\.t$/.test(callee)) {
        node.arguments.slice(1).forEach(visit);
        return;
      }
      if (/^console\./.test(callee)) return; // the developer console, not the user
    }
    // `${n} ${n === 1 ? 'task' : 'tasks'}`: words chosen by a condition, each too short to look like prose on its own.
    if (ts.isConditionalExpression(node) && [node.whenTrue, node.whenFalse].every((branch) => ts.isStringLiteral(branch) && /^[a-z]{2,}( [a-z]+)*$/.test(branch.text))) {
      // Attribute values, alignments and setting values are code.
      const CODE_WORDS = /^(true|false|start|end|middle|left|right|center|none|short|ascending|descending|threads|processes|serial|parallel|better|worse|failed|completed|cjs|esm|schedstat|unavailable|crash|thrown)$/;
      const isCodeValue = [node.whenTrue, node.whenFalse].some((branch) => CODE_WORDS.test((branch as ts.StringLiteral).text));
      if (!isCodeValue && !(node.getText(source) in NOT_USER_FACING)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push({ where: `${file}:${line + 1}`, text: node.getText(source) });
        return;
      }
    }
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => `\${…}${span.literal.text}`).join('');
    if (text !== undefined) {
      const isKey = ts.isPropertyAssignment(node.parent) && node.parent.name === node;
      const propertyName = destination(node, source);
      // Class names, ids, roles and test ids are code, whatever spaces they hold.
      const isCode = /^(className|class|id|role|type|scope|viewBox|d|points|transform|style|aria-labelledby|aria-describedby|aria-controls|key|storageKey)$|^data-/i.test(propertyName) || /Key$/.test(propertyName);
      const isSource = /^\s*(\/\/|declare |export |import |def |class |<!DOCTYPE |<script |[{}])/.test(text); // source code the extension writes or searches for
      const isCompared = (ts.isBinaryExpression(node.parent) && /^(===|!==|==|!=)$/.test(node.parent.operatorToken.getText(source))) || ts.isCaseClause(node.parent);
      // A template with a word of its own between the values (`${n} workers`), not a class name or a CSS function.
      const templateWords = ts.isTemplateExpression(node) && /\s/.test(text.replace(/\$\{…\}/g, '')) && /(^|\s)(?!(ms|px|em|at)\b)[A-Za-z]{2,}([\s.,:;!?…)]|$)/.test(text.replace(/\$\{…\}/g, ' ')) // units and a stack frame's 'at' are not words;
      if (!isKey && !isCompared && !isCode && !isSource && (looksLikeProse(text) || templateWords) && !(text in NOT_USER_FACING)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push({ where: `${file}:${line + 1}`, text });
      } else if (ts.isTemplateExpression(node) && !isCode) node.templateSpans.forEach((span) => visit(span.expression));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('localization', () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  it('no user-facing string in the host or the panel bypasses l10n.t', () => {
    const found = sourceFiles().flatMap(bypasses);
    assert.deepEqual(
      found.map((b) => `${b.where}: ${b.text}`),
      [],
      'wrap these in vscode.l10n.t (host) or l10n.t (panel), or list them in NOT_USER_FACING with the reason',
    );
  });

  it('l10n/bundle.l10n.json is exactly what @vscode/l10n-dev exports from the sources (run `npm run l10n`)', async () => {
    const files = sourceFiles().map((file) => ({ extension: path.extname(file), contents: fs.readFileSync(path.join(repoRoot, file), 'utf8') }));
    const exported = await getL10nJson(files);
    const committed = JSON.parse(fs.readFileSync(BUNDLE, 'utf8')) as l10nJsonFormat;
    assert.ok(Object.keys(exported).length > 100, `only ${Object.keys(exported).length} strings exported`);
    assert.deepEqual(Object.keys(committed).sort(), Object.keys(exported).sort());
    assert.deepEqual(committed, exported);
  });

  it('package.json shows no literal text: every title, description and label is a %key% in package.nls.json, and every key is used', () => {
    const manifestText = fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
    const manifest = JSON.parse(manifestText) as Record<string, unknown>;
    const nls = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const literal: string[] = [];
    const used = new Set<string>();
    const visit = (value: unknown, at: string): void => {
      if (typeof value === 'string') {
        const key = /^%(.+)%$/.exec(value)?.[1];
        if (key) {
          used.add(key);
          assert.ok(key in nls, `${at}: %${key}% is not in package.nls.json`);
        } else if (/(^|\.)(title|description|markdownDescription|enumDescriptions\.\d+|altText|displayName|category)$/.test(at)) literal.push(`${at}: ${value}`);
        return;
      }
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${at}.${i}`));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, at ? `${at}.${k}` : k);
    };
    visit({ displayName: manifest.displayName, description: manifest.description, contributes: manifest.contributes, capabilities: manifest.capabilities }, '');
    assert.deepEqual(literal, [], 'user-facing manifest strings not in package.nls.json');
    assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), [], 'keys in package.nls.json that package.json does not use');
  });

  it('a pseudo-localized bundle translates the whole panel: headings, cards, notes, columns, legend and buttons', async () => {
    const bundle = getL10nPseudoLocalized(JSON.parse(fs.readFileSync(BUNDLE, 'utf8')) as l10nJsonFormat) as Record<string, string>;
    const panel = await openPanelPage(browser as Browser, { l10n: bundle, width: 1100, height: 900 });
    await panel.send({ type: 'report', report: makeDemoReport() });
    const texts = await panel.page.evaluate(() => {
      const selectors = ['h1', 'h2', '.card-label', '.card-note', '.section-hint', '.legend li', 'th', '.button', '.icon-button', '.lane-group-name', '.lane-label-busy'];
      return [...document.querySelectorAll(selectors.join(','))].map((node) => (node.textContent ?? '').trim()).filter(Boolean);
    });
    // User data in the demo report (the function's name) and units and acronyms are not translated.
    const english = texts.filter((text) => /\b(?!longTimeTask\b|ms\b|PID\b|JSON\b|CSV\b|HTML\b)[A-Za-z]{3,}\b/.test(text));
    assert.ok(texts.length > 30, `only ${texts.length} texts found`);
    assert.deepEqual(english, [], 'English left in the pseudo-localized panel');
    await panel.page.close();
  });

  it('the HTML export reads as the panel it came from: its language in <html lang> and its bundle, English without one', async () => {
    const bundle = getL10nPseudoLocalized(JSON.parse(fs.readFileSync(BUNDLE, 'utf8')) as l10nJsonFormat) as Record<string, string>;
    const headings = async (locale?: { language: string; l10n: Record<string, string> }): Promise<{ lang: string; texts: string[] }> => {
      const { page, errors } = await openExportedPage(browser as Browser, makeDemoReport(), { locale });
      const seen = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        texts: [...document.querySelectorAll('h2, .card-label, th')].map((node) => (node.textContent ?? '').trim()).filter(Boolean),
      }));
      assert.deepEqual(errors, []);
      await page.close();
      return seen;
    };
    const english = await headings();
    const pseudo = await headings({ language: 'qps-ploc', l10n: bundle });
    assert.equal(english.lang, 'en');
    assert.equal(pseudo.lang, 'qps-ploc');
    assert.ok(english.texts.length > 10 && english.texts.includes('Speedup'), `English export: ${JSON.stringify(english.texts)}`);
    assert.equal(pseudo.texts.length, english.texts.length);
    assert.deepEqual(
      pseudo.texts.filter((text) => /\b(?!ms\b|PID\b)[A-Za-z]{3,}\b/.test(text)),
      [],
      'English left in the pseudo-localized export',
    );
  });
});
