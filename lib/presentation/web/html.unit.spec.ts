import { escapeHtml, html, joinHtml, raw, SafeHtml, urlPart } from './html';

describe('escapeHtml', () => {
  it('given every markup-significant character when escaped then none survives', () => {
    expect(escapeHtml(`<script>alert("x" + 'y' + \`z\`) && 1</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39; + &#96;z&#96;) &amp;&amp; 1&lt;/script&gt;',
    );
  });

  it('given already escaped text when escaped then it is escaped again (no double meaning)', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('html template', () => {
  it('given a user string in content and in an attribute when rendered then both are text', () => {
    const name = '<script>alert(1)</script>" onload="x';
    const out = html`<p title="${name}">${name}</p>`.value;
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x</p>',
    );
    expect(out).not.toContain('<script>');
  });

  it('given nested fragments and arrays when rendered then fragments stay markup and strings are escaped', () => {
    const items = ['a&b', '<i>'];
    // prettier-ignore
    const out = html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.value).toBe('<ul><li>a&amp;b</li><li>&lt;i&gt;</li></ul>');
  });

  it('given null, undefined, false and numbers when rendered then empty values vanish and numbers print', () => {
    expect(html`${null}|${undefined}|${false}|${0}|${12.5}`.value).toBe('|||0|12.5');
  });

  it('given raw markup when rendered then it is kept as is', () => {
    expect(html`<div>${raw('<b>ok</b>')}</div>`.value).toBe('<div><b>ok</b></div>');
  });

  it('given a separator when joining then strings are escaped and fragments are not', () => {
    expect(joinHtml(['<a>', html`<br />`], ' & ').value).toBe('&lt;a&gt; &amp; <br />');
  });

  it('given a path segment with reserved characters when encoded then it cannot leave its segment', () => {
    expect(urlPart('../x?y=1#z')).toBe('..%2Fx%3Fy%3D1%23z');
  });
});
