"""A corpus of cross-site scripting payloads for user-written text (plain and markdown fields).

Every payload that managed to run would set `window.__xss` (and most would also open a dialog), so
a browser test can assert that none ran: no dialog, `window.__xss` undefined, no CSP violation. Each
one is a single line (plain fields show it verbatim; the markdown fields get `MARKDOWN` too). The
marker name `__xss` appears in every payload, so a test can also look for it in dangerous attributes
(`on*`, `href`, `src`, `srcdoc`, `style`, ...) of the rendered page: it may only ever be text.
"""

from __future__ import annotations

MARKER = "__xss"

# Single-line payloads: safe to put in any text field, one per line.
PLAIN: list[str] = [
    # Script tags, plain and disguised.
    "<script>window.__xss=1;alert(1)</script>",
    "<ScRiPt>window.__xss=2;alert(2)</sCrIpT>",
    "<script src=data:,window.__xss=3;alert(3)></script>",
    "<scr<script>ipt>window.__xss=4</scr</script>ipt>",
    '"><script>window.__xss=5</script>',
    "'><script>window.__xss=6</script>",
    # Event-handler attributes.
    "<img src=x onerror=window.__xss=7;alert(7)>",
    "<IMG SRC=x OnErRoR=window.__xss=8>",
    "<body onload=window.__xss=9>",
    "<input autofocus onfocus=window.__xss=10>",
    "<details open ontoggle=window.__xss=11>",
    '<div onmouseover="window.__xss=12">hover me</div>',
    '" onmouseover="window.__xss=13" x="',
    "' autofocus onfocus='window.__xss=14' x='",
    # Links with unsafe schemes (raw HTML).
    '<a href="javascript:window.__xss=15">click</a>',
    '<a href="JaVaScRiPt:window.__xss=16">click</a>',
    '<a href="&#106;avascript:window.__xss=17">entity click</a>',
    '<a href="java&#x09;script:window.__xss=18">tab click</a>',
    '<a href="data:text/html,<script>window.__xss=19</script>">data click</a>',
    # SVG and MathML tricks.
    "<svg onload=window.__xss=20>",
    "<svg><script>window.__xss=21</script></svg>",
    '<svg><a xlink:href="javascript:window.__xss=22"><text x="0" y="20">svg</text></a></svg>',
    "<svg><animate onbegin=window.__xss=23 attributeName=x dur=1s>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=24">',
    "<math href=javascript:window.__xss=25>math</math>",
    # Entity-encoded and mixed-case variants.
    "&lt;script&gt;window.__xss=26&lt;/script&gt;",
    "&#60;img src=x onerror=window.__xss=27&#62;",
    "%3Cscript%3Ewindow.__xss=28%3C/script%3E",
    # Breaking out of the element the text is rendered in.
    "</textarea><script>window.__xss=29</script>",
    "</title><script>window.__xss=30</script>",
    "</p></div><img src=x onerror=window.__xss=31>",
    "<!--<img src=--><img src=x onerror=window.__xss=32//-->",
    # Template-ish text: must come out literally, never evaluated.
    "{{ 7*7 }} {{ request.user.password }} {{constructor.constructor('window.__xss=33')()}}",
    "{% debug %} {% load static %} {# __xss 34 #}",
    "${window.__xss=35} #{window.__xss=35}",
    # CSS and frames.
    '<div style="background:url(javascript:window.__xss=36)">css</div>',
    "<style>@import 'javascript:window.__xss=37';</style>",
    '<iframe srcdoc="<script>parent.__xss=38</script>"></iframe>',
    '<iframe src="javascript:parent.__xss=39"></iframe>',
    '<object data="javascript:window.__xss=40"></object>',
    '<embed src="data:text/html,<script>parent.__xss=41</script>">',
    '<form action="javascript:window.__xss=42"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=43">',
    '<base href="javascript:window.__xss=44//">',
]

# Markdown-only payloads (links and images with unsafe schemes, reference links, autolinks).
MARKDOWN: list[str] = [
    "[click me](javascript:window.__xss=101)",
    "[click me](JAVASCRIPT:window.__xss=102)",
    "[click me](  javascript:window.__xss=103  )",
    "[click me](&#x6A;avascript:window.__xss=104)",
    "[click me](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTA1PC9zY3JpcHQ+)",
    "![image](javascript:window.__xss=106)",
    '![image](x "onerror=window.__xss=107")',
    "<javascript:window.__xss=108>",
    "[reference][evil]\n\n[evil]: javascript:window.__xss=109",
    '[title](https://example.org "\\" onmouseover=\\"window.__xss=110")',
    "[vb](vbscript:window.__xss=111)",
    "`<script>window.__xss=112</script>` and ```\n<img src=x onerror=window.__xss=113>\n```",
]

# Everything a markdown field is given, as one text (blank lines keep them separate blocks).
MARKDOWN_TEXT = "\n\n".join(PLAIN + MARKDOWN)


def chunks(limit: int, payloads: list[str] | None = None) -> list[str]:
    """The payloads joined by newlines into texts of at most `limit` characters each."""
    texts: list[str] = []
    current = ""
    for payload in payloads if payloads is not None else PLAIN:
        candidate = f"{current}\n{payload}" if current else payload
        if len(candidate) > limit and current:
            texts.append(current)
            current = payload
        else:
            current = candidate
    if current:
        texts.append(current)
    return texts


# JavaScript run in the page: every element attribute that could run code or load a URL and that
# carries the marker, plus any script element that is not ours (ours have a nonce or a same-origin
# src). Returns a list of descriptions; empty means nothing dangerous reached the DOM.
FIND_INJECTED_JS = """
() => {
  const marker = "__xss";
  const risky = /^(on|href$|src$|srcdoc$|action$|formaction$|style$|data$|xlink:href$|content$|background$)/i;
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (risky.test(attribute.name) && attribute.value.includes(marker)) {
        found.push(`<${element.localName} ${attribute.name}="${attribute.value}">`);
      }
      if (/^on/i.test(attribute.name)) found.push(`<${element.localName} ${attribute.name}>`);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    if (!script.hasAttribute("nonce") && !script.src) found.push(`script: ${script.textContent}`);
    if (script.textContent.includes(marker)) found.push(`script with marker: ${script.textContent}`);
  }
  for (const tag of ["iframe", "object", "embed", "frame", "base", "meta[http-equiv]"]) {
    for (const element of document.querySelectorAll(`main ${tag}, article ${tag}, .prose ${tag}`)) {
      found.push(`injected ${tag}: ${element.outerHTML}`);
    }
  }
  for (const link of document.querySelectorAll("a[href], area[href]")) {
    if (!/^(https?:|mailto:|\\/|#|\\?|[^:]*$)/i.test(link.getAttribute("href"))) {
      found.push(`unsafe link: ${link.getAttribute("href")}`);
    }
  }
  return found;
}
"""
