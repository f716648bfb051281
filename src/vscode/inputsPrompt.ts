// The inputs box: pre-filled with the last inputs for this function, checked as you type with previewInputs.
import * as vscode from 'vscode';
import { defaultInputs, previewInputs } from '../core/inputs';
import type { TargetInfo } from '../shared/report';

const PREVIEW_CHARS = 90;
const LIVE_CHECK_TIMEOUT_MS = 150;
/** More calls than fit in PREVIEW_CHARS (each is at least `f()`, 3 characters); only these are copied on a keystroke. */
const PREVIEW_TASKS = PREVIEW_CHARS / 2;

/** Live validation: what to fix (an error), or how many tasks the text makes and what the first calls look like. */
export function validateInputsText(text: string, targetName: string, timeoutMs?: number): vscode.InputBoxValidationMessage {
  let preview: { count: number; firstTasks: unknown[][] };
  try {
    preview = previewInputs(text, { timeoutMs }, PREVIEW_TASKS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { message, severity: vscode.InputBoxValidationSeverity.Error };
  }
  const calls: string[] = [];
  let length = 0;
  for (const args of preview.firstTasks) {
    const call = `${targetName}(${args.map(renderArgument).join(', ')})`;
    if (length + call.length > PREVIEW_CHARS && calls.length > 0) {
      calls.push('…');
      break;
    }
    calls.push(call);
    length += call.length + 2;
  }
  const count = `${preview.count} ${preview.count === 1 ? 'task' : 'tasks'}`;
  return { message: `${count}: ${calls.join(', ')}`, severity: vscode.InputBoxValidationSeverity.Info };
}

export function inputsMemoryKey(file: string, targetName: string): string {
  return `parallelRunner.inputs:${file}#${targetName}`;
}

export function rememberedInputs(state: vscode.Memento, file: string, target: TargetInfo): string {
  return state.get<string>(inputsMemoryKey(file, target.name)) ?? defaultInputs(target);
}

/** Inputs longer than this (as text) are not kept in workspace state: VS Code writes all of it on every change. */
export const MAX_REMEMBERED_INPUT_CHARS = 100_000;

/**
 * The inputs as text worth keeping, or undefined when too big. A list given as an array is only stringified when it can
 * fit: every element takes at least two characters (`1,`), and stringifying 100,000 argument lists stalls the host.
 */
export function inputsToRemember(inputs: string | unknown[]): string | undefined {
  if (typeof inputs === 'string') return inputs.length <= MAX_REMEMBERED_INPUT_CHARS ? inputs : undefined;
  if (inputs.length * 2 > MAX_REMEMBERED_INPUT_CHARS) return undefined;
  try {
    const text = JSON.stringify(inputs);
    return text !== undefined && text.length <= MAX_REMEMBERED_INPUT_CHARS ? text : undefined;
  } catch {
    return undefined; // BigInts, cycles: nothing to pre-fill the box with
  }
}

/** Keeps inputs text (from inputsToRemember) to pre-fill the box next time. */
export async function rememberInputs(state: vscode.Memento, file: string, targetName: string, text: string): Promise<void> {
  await state.update(inputsMemoryKey(file, targetName), text);
}

/** Asks for the inputs; undefined when the user dismissed the box. */
export async function promptInputs(target: TargetInfo, initial: string, step?: { step: number; totalSteps: number }): Promise<string | undefined> {
  const signature = `${target.kind === 'class-run' ? `new ${target.name}` : target.name}(${target.params.join(', ')})${target.kind === 'class-run' ? '.run()' : ''}`;
  const box = vscode.window.createInputBox();
  box.title = `Inputs for ${signature}`;
  box.prompt = 'One argument list per task: JSON such as [[1], [2], [3]], or a JS expression such as Array.from({ length: 8 }, (_, i) => [i])';
  box.placeholder = '[[1], [2], [3], [4]]';
  box.value = initial;
  box.valueSelection = [0, initial.length];
  box.ignoreFocusOut = true;
  if (step) Object.assign(box, step);
  // As-you-type checks get a short evaluation budget so an endless loop being typed never stalls the extension host;
  // Enter evaluates with the full limit.
  const validate = (timeoutMs?: number) => {
    const message = validateInputsText(box.value, target.name, timeoutMs);
    box.validationMessage = message;
    return message.severity !== vscode.InputBoxValidationSeverity.Error;
  };
  validate();
  return new Promise<string | undefined>((resolve) => {
    let accepted: string | undefined;
    box.onDidChangeValue(() => validate(LIVE_CHECK_TIMEOUT_MS));
    box.onDidAccept(() => {
      if (!validate()) return;
      accepted = box.value;
      box.hide();
    });
    box.onDidHide(() => {
      box.dispose();
      resolve(accepted);
    });
    box.show();
  });
}

function renderArgument(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength})`;
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 40 ? `${json.slice(0, 39)}…` : json;
  } catch {
    return String(value);
  }
}
