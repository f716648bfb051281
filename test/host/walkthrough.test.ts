// The getting-started walkthrough: contributed with four steps, each with one action, a theme-aware image and completion events on real commands.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension } from './support';
import { WALKTHROUGH_ID } from '../../src/vscode/walkthrough';

interface WalkthroughStep {
  id: string;
  title: string;
  description: string;
  media: { svg?: string; image?: string | Record<string, string>; markdown?: string; altText?: string };
  completionEvents?: string[];
}

interface Walkthrough {
  id: string;
  title: string;
  description: string;
  steps: WalkthroughStep[];
}

/** The command links in a step's markdown: `[label](command:id)` or `command:id?args`. */
function commandLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(command:([\w.]+)(?:\?[^)]*)?\)/g)].map((match) => match[1]);
}

describe('walkthrough', () => {
  let walkthrough: Walkthrough;
  let extensionPath: string;
  let registered: string[];
  let extensionId: string;
  let extensionDisplayName: string;

  before(async () => {
    const { extension } = await activateExtension();
    extensionPath = extension.extensionPath;
    extensionId = extension.id;
    extensionDisplayName = (extension.packageJSON as { displayName: string }).displayName;
    const walkthroughs = (extension.packageJSON.contributes.walkthroughs ?? []) as Walkthrough[];
    assert.equal(walkthroughs.length, 1, 'one walkthrough is contributed');
    walkthrough = walkthroughs[0];
    registered = await vscode.commands.getCommands(true);
  });

  it("is the walkthrough the extension opens on its first activation, and its tab can be recognised by the display name", () => {
    assert.equal(WALKTHROUGH_ID, `${extensionId}#${walkthrough.id}`);
    // walkthrough.ts finds an open walkthrough tab ("Walkthrough: <display name>") by the manifest's display name, as the host localizes it.
    const nls = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.nls.json'), 'utf8')) as { displayName: string };
    assert.equal(extensionDisplayName, nls.displayName);
  });

  it('opens no walkthrough on activation when workbench.welcomePage.walkthroughs.openOnInstall is off (as every test window sets it)', async () => {
    // A machine-scoped setting: code-server's window reads it from the server's Machine/settings.json, which the harness writes.
    assert.equal(vscode.workspace.getConfiguration('workbench.welcomePage').get('walkthroughs.openOnInstall'), false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const walkthroughTabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input === undefined && tab.label.endsWith(extensionDisplayName));
    assert.deepEqual(walkthroughTabs.map((tab) => tab.label), []);
  });

  it('has four steps in order: open the sample, run, read the account, compare', () => {
    assert.ok(walkthrough.title && walkthrough.description);
    assert.deepEqual(
      walkthrough.steps.map((step) => step.id),
      ['openSample', 'runFunction', 'readAccount', 'compare'],
    );
  });

  it('gives each step exactly one action, a registered command', () => {
    for (const step of walkthrough.steps) {
      const links = commandLinks(step.description);
      assert.equal(links.length, 1, `${step.id} has ${links.length} actions`);
      assert.ok(registered.includes(links[0]), `${step.id}'s action ${links[0]} is not a registered command`);
    }
  });

  it('completes each step on events that name registered commands, its own action among them', () => {
    for (const step of walkthrough.steps) {
      const events = step.completionEvents ?? [];
      assert.ok(events.length > 0, `${step.id} has no completion events (it would complete on being opened)`);
      for (const event of events) {
        const match = /^onCommand:(.+)$/.exec(event);
        assert.ok(match, `${step.id}: ${event} is not an onCommand event`);
        assert.ok(registered.includes(match[1]), `${step.id}: ${event} names no registered command`);
      }
      assert.ok(events.includes(`onCommand:${commandLinks(step.description)[0]}`), `${step.id} does not complete when its own action runs`);
    }
  });

  it('shows a theme-aware SVG with alt text for each step', () => {
    for (const step of walkthrough.steps) {
      assert.ok(step.media.svg, `${step.id} has no svg image`);
      assert.ok(step.media.altText && step.media.altText.length > 20, `${step.id} has no alt text`);
      const file = path.join(extensionPath, step.media.svg);
      assert.ok(fs.existsSync(file), `${step.media.svg} is missing`);
      const svg = fs.readFileSync(file, 'utf8');
      assert.match(svg, /^<svg[\s>]/, `${step.media.svg} is not an SVG`);
      // Colours come from the workbench theme (var(--vscode-…)); a literal colour only as a fallback inside var().
      const literal = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]).filter((value) => value !== 'none' && !value.startsWith('var(--vscode-'));
      assert.deepEqual(literal, [], `${step.media.svg} has colours that ignore the theme`);
      assert.ok(!/<text\b/.test(svg), `${step.media.svg} has text, which would not be translated`);
    }
  });
});
