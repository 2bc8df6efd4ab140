import { describe, expect, it } from 'vitest';
import { reasonFromWarning, rejectionsMode } from '../../instrumentation/processHooks.js';

describe('rejectionsMode: the --unhandled-rejections mode the program runs under', () => {
  it('is throw by default, and for a mode Node does not know', () => {
    expect(rejectionsMode([], '')).toBe('throw');
    expect(rejectionsMode(['--unhandled-rejections=sometimes'], '')).toBe('throw');
  });

  it('reads both spellings, the last one given winning, and the command line over NODE_OPTIONS', () => {
    expect(rejectionsMode([], '--max-old-space-size=100 --unhandled-rejections=warn')).toBe('warn');
    expect(rejectionsMode(['--unhandled-rejections', 'none'], '')).toBe('none');
    expect(rejectionsMode(['--unhandled-rejections=strict', '--unhandled-rejections=warn-with-error-code'], '')).toBe('warn-with-error-code');
    expect(rejectionsMode(['--unhandled-rejections=strict'], '--unhandled-rejections=none')).toBe('strict');
  });
});

describe('reasonFromWarning: a rejection reason as Node prints it in its warning', () => {
  it('an Error stack becomes an Error with its name, message (over several lines) and stack', () => {
    const text = 'RangeError: two\nlines\n    at f (file:///app.js:1:1)';
    const err = reasonFromWarning(text) as Error;
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.stack]).toEqual(['RangeError', 'two\nlines', text]);
  });

  it('anything else stays the text it was printed as', () => {
    expect(reasonFromWarning('42')).toBe('42');
    expect(reasonFromWarning('not: a stack')).toBe('not: a stack');
  });
});
