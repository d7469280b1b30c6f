// A small Python highlighter: keywords, builtins, strings, numbers, comments. Returns HTML.
const KEYWORDS = new Set(('False None True and as assert async await break class continue def del elif else except '
  + 'finally for from global if import in is lambda nonlocal not or pass raise return try while with yield').split(' '));
const BUILTINS = new Set(('print len range int str float list dict set tuple open sum min max abs sorted enumerate '
  + 'zip map filter isinstance type round any all repr bool input').split(' '));
const TOKEN = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|[rbfuRBFU]{0,2}"(?:\\.|[^"\\\n])*"?|[rbfuRBFU]{0,2}'(?:\\.|[^'\\\n])*'?)|\b(\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?j?)\b|\b([A-Za-z_]\w*)\b/g;

export function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

export function highlightPython(code) {
  let html = '';
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    html += escapeHtml(code.slice(last, m.index));
    const [text, comment, string, number, word] = m;
    let cls = null;
    if (comment) cls = 'com';
    else if (string) cls = 'str';
    else if (number) cls = 'num';
    else if (word && KEYWORDS.has(word)) cls = 'kw';
    else if (word && BUILTINS.has(word)) cls = 'builtin';
    html += cls ? `<span class="${cls}">${escapeHtml(text)}</span>` : escapeHtml(text);
    last = m.index + text.length;
  }
  return html + escapeHtml(code.slice(last));
}
