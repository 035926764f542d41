import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presentTxt, txtOfPresentation, unescapeTxt } from '../../providers/kit/txt.js';

describe('kit: TXT presentation form', () => {
  it('every printable ASCII character survives presentTxt then txtOfPresentation', () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    assert.equal(txtOfPresentation(presentTxt(all)), all);
    assert.equal(presentTxt('a "b" \\c'), '"a \\"b\\" \\\\c"');
  });

  it('joins several character-strings, quoted or bare, and decodes \\DDD', () => {
    assert.equal(txtOfPresentation('"v=spf1 " "include:x" -all'), 'v=spf1 include:x-all');
    assert.equal(txtOfPresentation('"\\065\\066" C\\032D'), 'ABC D');
    assert.equal(unescapeTxt('\\"\\\\\\059'), '"\\;');
    assert.equal(txtOfPresentation('""'), '');
  });
});
