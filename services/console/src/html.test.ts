import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, trusted } from './html.js';

const cases: Array<{ name: string; value: unknown; expected: string }> = [
  { name: 'a script tag is text', value: '<script>alert(1)</script>', expected: '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' },
  { name: 'an img onerror is text', value: '<img src=x onerror=alert(1)>', expected: '<p>&lt;img src=x onerror=alert(1)&gt;</p>' },
  { name: 'quotes cannot leave an attribute', value: '" onmouseover="x', expected: '<p>&quot; onmouseover=&quot;x</p>' },
  { name: 'ampersands and backticks', value: "a&b`c'", expected: '<p>a&amp;b&#96;c&#39;</p>' },
  { name: 'nothing for null', value: null, expected: '<p></p>' },
];
for (const { name, value, expected } of cases) {
  test(`html escapes: ${name}`, () => assert.equal(html`<p>${value as string}</p>`.text, expected));
}

test('html keeps nested Html and escapes each item of a list', () => {
  assert.equal(html`<ul>${['<a>', 'b'].map((item) => html`<li>${item}</li>`)}</ul>${trusted('<hr>')}`.text, '<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>');
});
