import { describe, expect, it } from 'vitest';
import { reasonFromWarning, RejectionWarnings, rejectionsMode, splitNodeOptions } from '../../instrumentation/rejections.js';

describe('rejectionsMode: the --unhandled-rejections mode the program runs under', () => {
  it('is throw by default, and for a mode Node does not know', () => {
    expect(rejectionsMode([], '')).toBe('throw');
    expect(rejectionsMode(['--unhandled-rejections=sometimes'], '')).toBe('throw');
  });

  it('reads every spelling, the last one given winning, and the command line over NODE_OPTIONS', () => {
    expect(rejectionsMode([], '--max-old-space-size=100 --unhandled-rejections=warn')).toBe('warn');
    expect(rejectionsMode(['--unhandled-rejections', 'none'], '')).toBe('none');
    expect(rejectionsMode(['--unhandled-rejections=strict', '--unhandled-rejections=warn-with-error-code'], '')).toBe('warn-with-error-code');
    expect(rejectionsMode(['--unhandled-rejections=strict'], '--unhandled-rejections=none')).toBe('strict');
    // Node takes underscores in option names too: a throw given so must not lose to NODE_OPTIONS.
    expect(rejectionsMode(['--unhandled_rejections=throw'], '--unhandled-rejections=warn')).toBe('throw');
    expect(rejectionsMode([], '--unhandled-rejections="warn"')).toBe('warn');
    expect(rejectionsMode([], '--unhandled_rejections none')).toBe('none');
  });

  it('splits NODE_OPTIONS as Node does: spaces outside double quotes, quotes dropped, backslash escapes inside them', () => {
    expect(splitNodeOptions('  --a=1   --b="x y" "--c" --d="q\\"r" ')).toEqual(['--a=1', '--b=x y', '--c', '--d=q"r']);
    expect(splitNodeOptions('--e=""')).toEqual(['--e=']);
  });
});

describe("RejectionWarnings: a rejection's reason from Node's two warnings", () => {
  const generic = (id: number) =>
    Object.assign(new Error(`Unhandled promise rejection. This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). To terminate the node process on unhandled promise rejection, use the CLI flag \`--unhandled-rejections=strict\` (see https://nodejs.org/api/cli.html#cli_unhandled_rejections_mode). (rejection id: ${id})`), { name: 'UnhandledPromiseRejectionWarning' });
  const warning = (message: string) => Object.assign(new Error(message), { name: 'UnhandledPromiseRejectionWarning' });

  it('passes on the reason once the fixed sentence follows it, whatever the reason says', () => {
    const seen: unknown[] = [];
    const w = new RejectionWarnings((r) => seen.push(r));
    w.see(warning('Unhandled promise rejection. my own text'));
    expect(seen).toEqual([]);
    w.see(generic(1));
    w.see(warning('42'));
    w.see(generic(2));
    // A reason that reads like the sentence itself.
    w.see(generic(7));
    w.see(generic(3));
    expect(seen).toEqual(['Unhandled promise rejection. my own text', '42', generic(7).message]);
  });

  it('takes no other warning for a rejection, and nothing that is not an Error', () => {
    const seen: unknown[] = [];
    const w = new RejectionWarnings((r) => seen.push(r));
    w.see(null);
    w.see({ name: 'UnhandledPromiseRejectionWarning' });
    w.see(Object.assign(new Error('custom'), { name: 'OtherWarning' }));
    expect(seen).toEqual([]);
    // A program's own warning of that name, never followed by the sentence, is overwritten by the next reason.
    w.see(warning('my own warning'));
    w.see(warning('the reason'));
    w.see(generic(4));
    expect(seen).toEqual(['the reason']);
  });
});

describe('reasonFromWarning: a rejection reason as Node prints it in its warning', () => {
  it('an Error stack becomes an Error with its name, message (over several lines) and stack', () => {
    const text = 'RangeError: two\nlines\n    at f (file:///app.js:1:1)';
    const err = reasonFromWarning(text) as Error;
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.stack]).toEqual(['RangeError', 'two\nlines', text]);
  });

  it("Node's own errors keep their code", () => {
    const err = reasonFromWarning('TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n    at f (node:fs:1:1)') as Error & { code: string };
    expect([err.name, err.code, err.message]).toEqual(['TypeError', 'ERR_INVALID_ARG_TYPE', 'The "path" argument must be of type string']);
  });

  it('anything else stays the text it was printed as', () => {
    expect(reasonFromWarning('42')).toBe('42');
    expect(reasonFromWarning('not: a stack')).toBe('not: a stack');
  });
});
