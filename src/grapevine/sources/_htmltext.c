/* Plain text of an HTML fragment, in C: an optional speed-up of grapevine.sources._html.
 *
 * html_to_text(markup) returns exactly what the Python reference `_html._html_to_text_python`
 * returns for the same string, or None when the fragment needs something this file does not
 * do; the caller then runs the reference. It covers the markup that statuses, bios and most
 * feed summaries use: tags stripped (block tags become newlines, as the reference's two regexes
 * do), the five entities that servers write (&amp; &lt; &gt; &quot; &#39;), whitespace
 * collapsed line by line. It declines comments, doctypes, <script> and <style> (the reference
 * scans those), any other entity (html.unescape knows two thousand), whitespace beyond ASCII
 * (Python's strip() and \s know more than this file), the four non-ASCII letters that Python's
 * case-insensitive regexes fold onto ASCII ones, and a ">" inside a quoted attribute value.
 *
 * tests/unit/test_htmltext.py checks both agree on generated fragments and on every HTML
 * fragment of the recorded payloads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t length;
} Text;

static int is_ascii_space(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_run_space(Py_UCS4 c) { /* what the reference collapses: [ \t\r\f\v] */
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static Py_UCS4 ascii_lower(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int is_ascii_letter(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Characters the reference treats in ways this file does not: Unicode whitespace beyond the
 * six ASCII ones (str.strip and \s), and the letters that IGNORECASE folds onto ASCII ones. */
static int declines_char(Py_UCS4 c) {
    if (c < 0x80) {
        return c >= 0x1c && c <= 0x1f; /* str.isspace() is true for these */
    }
    if (c == 0x130 || c == 0x131 || c == 0x17f || c == 0x212a) {
        return 1;
    }
    return Py_UNICODE_ISSPACE(c);
}

/* Exact match of the ASCII `word` at t[i:]. */
static int matches_exact(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++) {
        if (i >= n || t[i] != (Py_UCS4)*word) {
            return 0;
        }
    }
    return 1;
}

/* Case-insensitive ASCII match of `word` at t[i:]. */
static int matches_word(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++) {
        if (i >= n || ascii_lower(t[i]) != (Py_UCS4)*word) {
            return 0;
        }
    }
    return 1;
}

/* Whether the name at t[i:] ends there: a regex word boundary after it. */
static int name_ends(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t after) {
    if (after >= n) {
        return 1;
    }
    Py_UCS4 c = t[after];
    return !(c == '_' || Py_UNICODE_ISALNUM(c)); /* "<pre>" is not "<p" */
}

/* Length of the block tag name at t[i:] (as _BLOCK_START's alternation, followed by a regex
 * word boundary), or 0. */
static Py_ssize_t block_name(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t i) {
    if (i >= n) {
        return 0;
    }
    switch (ascii_lower(t[i])) {
    case 'p':
        return name_ends(t, n, i + 1) ? 1 : 0;
    case 'b':
        if (matches_word(t, n, i, "br") && name_ends(t, n, i + 2)) {
            return 2;
        }
        return matches_word(t, n, i, "blockquote") && name_ends(t, n, i + 10) ? 10 : 0;
    case 'd':
        return matches_word(t, n, i, "div") && name_ends(t, n, i + 3) ? 3 : 0;
    case 'l':
        return matches_word(t, n, i, "li") && name_ends(t, n, i + 2) ? 2 : 0;
    case 'h':
        return i + 1 < n && t[i + 1] >= '1' && t[i + 1] <= '4' && name_ends(t, n, i + 2) ? 2 : 0;
    case 't':
        return matches_word(t, n, i, "tr") && name_ends(t, n, i + 2) ? 2 : 0;
    default:
        return 0;
    }
}

/* Index of the first '>' at or after `from`, memoized in *next (positions only grow). */
static Py_ssize_t next_gt(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t from, Py_ssize_t *next) {
    if (*next >= from) {
        return *next;
    }
    Py_ssize_t j = from;
    while (j < n && t[j] != '>') {
        j++;
    }
    *next = j; /* n when there is none */
    return j;
}

/* _BLOCK_START.sub("\n", t): block tags become newlines. */
static void replace_block_tags(const Py_UCS4 *t, Py_ssize_t n, Text *out) {
    Py_ssize_t gt = -1;
    Py_ssize_t i = 0;
    while (i < n) {
        if (t[i] == '<') {
            Py_ssize_t len = block_name(t, n, i + 1);
            if (len) {
                Py_ssize_t end = next_gt(t, n, i + 1 + len, &gt);
                if (end < n) {
                    out->chars[out->length++] = '\n';
                    i = end + 1;
                    continue;
                }
            }
        }
        out->chars[out->length++] = t[i++];
    }
}

/* _ANY_TAG.sub("", t): every tag away. */
static void remove_tags(const Py_UCS4 *t, Py_ssize_t n, Text *out) {
    Py_ssize_t gt = -1;
    Py_ssize_t i = 0;
    while (i < n) {
        if (t[i] == '<') {
            Py_ssize_t name = i + 1;
            if (name < n && t[name] == '/' && name + 1 < n && is_ascii_letter(t[name + 1])) {
                name++;
            }
            if (name < n && is_ascii_letter(t[name])) {
                Py_ssize_t end = next_gt(t, n, name + 1, &gt);
                if (end < n) {
                    i = end + 1;
                    continue;
                }
            }
        }
        out->chars[out->length++] = t[i++];
    }
}

/* html.unescape for the five entities servers write, in place; 0 for any other "&". */
static int unescape(Text *text) {
    static const struct {
        const char *name;
        Py_UCS4 value;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {NULL, 0}};
    Py_UCS4 *t = text->chars;
    Py_ssize_t n = text->length, w = 0, i = 0;
    while (i < n) {
        if (t[i] != '&') {
            t[w++] = t[i++];
            continue;
        }
        int found = 0;
        for (int e = 0; entities[e].name; e++) {
            if (matches_exact(t, n, i, entities[e].name)) {
                t[w++] = entities[e].value;
                i += (Py_ssize_t)strlen(entities[e].name);
                found = 1;
                break;
            }
        }
        if (!found) {
            return 0;
        }
    }
    text->length = w;
    return 1;
}

/* _normalize: each line's runs of spaces become one space, lines are trimmed, empty lines go. */
static void normalize(Text *text) {
    Py_UCS4 *t = text->chars;
    Py_ssize_t n = text->length, w = 0, i = 0;
    while (i < n) {
        Py_ssize_t line_start = w;
        int pending_space = 0;
        for (; i < n && t[i] != '\n'; i++) {
            if (is_run_space(t[i])) {
                pending_space = w > line_start;
                continue;
            }
            if (pending_space) {
                t[w++] = ' ';
                pending_space = 0;
            }
            t[w++] = t[i];
        }
        i++; /* the newline */
        if (w > line_start && i < n) {
            t[w++] = '\n';
        }
    }
    while (w > 0 && t[w - 1] == '\n') { /* a newline after the last non-empty line */
        w--;
    }
    text->length = w;
}

/* str.strip() for text without other whitespace than the six ASCII ones. */
static void strip(Text *text) {
    Py_ssize_t start = 0, end = text->length;
    while (start < end && is_ascii_space(text->chars[start])) {
        start++;
    }
    while (end > start && is_ascii_space(text->chars[end - 1])) {
        end--;
    }
    if (start) {
        memmove(text->chars, text->chars + start, (end - start) * sizeof(Py_UCS4));
    }
    text->length = end - start;
}

static int has_unusual_markup(const Py_UCS4 *t, Py_ssize_t n) { /* _UNUSUAL_MARKUP */
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        if (t[i] != '<') {
            continue;
        }
        Py_UCS4 c = t[i + 1];
        if (c == '!' || c == '?') {
            return 1;
        }
        if ((c == 's' || c == 'S') && (matches_word(t, n, i + 1, "script") || matches_word(t, n, i + 1, "style"))) {
            return 1;
        }
    }
    return 0;
}

static int has_quote_before_gt(const Text *text) {
    for (Py_ssize_t i = 1; i < text->length; i++) {
        if (text->chars[i] == '>' && (text->chars[i - 1] == '"' || text->chars[i - 1] == '\'')) {
            return 1;
        }
    }
    return 0;
}

static PyObject *as_str(const Text *text) {
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, text->chars, text->length);
}

/* The text, or 0 (Py_None returned by the caller) to decline. */
static int convert(const Py_UCS4 *s, Py_ssize_t n, Text *out, Text *scratch) {
    Py_ssize_t lts = 0, last_gt = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = s[i];
        if (declines_char(c)) {
            return 0;
        }
        if (c == '<') {
            lts++;
        } else if (c == '>') {
            last_gt = i;
        }
    }
    if (!lts) { /* no markup: entities decoded, ends trimmed, nothing collapsed */
        memcpy(out->chars, s, n * sizeof(Py_UCS4));
        out->length = n;
        if (!unescape(out)) {
            return 0;
        }
        strip(out);
        return 1;
    }
    if (lts == 2 && n >= 7 && s[0] == '<' && s[1] == 'p' && s[2] == '>' && s[n - 4] == '<' &&
        s[n - 3] == '/' && s[n - 2] == 'p' && s[n - 1] == '>') { /* one plain paragraph */
        memcpy(out->chars, s + 3, (n - 7) * sizeof(Py_UCS4));
        out->length = n - 7;
        if (!unescape(out)) {
            return 0;
        }
        normalize(out);
        return 1;
    }
    if (has_unusual_markup(s, n)) {
        return 0;
    }
    Py_ssize_t cut = last_gt + 1; /* a "<" after the last ">" starts no tag */
    scratch->length = 0;
    replace_block_tags(s, cut, scratch);
    out->length = 0;
    remove_tags(scratch->chars, scratch->length, out);
    if (has_quote_before_gt(out)) {
        return 0; /* a quoted attribute value held a ">": the reference scans it */
    }
    memcpy(out->chars + out->length, s + cut, (n - cut) * sizeof(Py_UCS4));
    out->length += n - cut;
    if (!unescape(out)) {
        return 0;
    }
    normalize(out);
    return 1;
}

/* Non-overlapping occurrences of the ASCII `word` in t, as str.count counts them. */
static Py_ssize_t count_word(const Py_UCS4 *t, Py_ssize_t n, const char *word) {
    Py_ssize_t len = (Py_ssize_t)strlen(word), found = 0, i = 0;
    while (i + len <= n) {
        if (matches_exact(t, n, i, word)) {
            found++;
            i += len;
        } else {
            i++;
        }
    }
    return found;
}

static int contains_word(const Py_UCS4 *t, Py_ssize_t n, const char *word) {
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    for (Py_ssize_t i = 0; i + len <= n; i++) {
        if (matches_exact(t, n, i, word)) {
            return 1;
        }
    }
    return 0;
}

static int is_word_char(Py_UCS4 c) { return c == '_' || Py_UNICODE_ISALNUM(c); }

/* _HREF.search(attributes): the quoted value of the first href, as [*start, *end); 0 if none. */
static int find_href(const Py_UCS4 *a, Py_ssize_t n, Py_ssize_t *start, Py_ssize_t *end) {
    for (Py_ssize_t p = 0; p + 4 <= n; p++) {
        if ((p > 0 && is_word_char(a[p - 1])) || !matches_word(a, n, p, "href")) {
            continue;
        }
        Py_ssize_t q = p + 4;
        while (q < n && is_ascii_space(a[q])) {
            q++;
        }
        if (q >= n || a[q] != '=') {
            continue;
        }
        q++;
        while (q < n && is_ascii_space(a[q])) {
            q++;
        }
        if (q >= n || (a[q] != '"' && a[q] != '\'')) {
            continue;
        }
        Py_ssize_t close = q + 1;
        while (close < n && a[close] != a[q]) {
            close++;
        }
        if (close >= n) {
            continue;
        }
        *start = q + 1;
        *end = close;
        return 1;
    }
    return 0;
}

/* The anchors' links appended to `links` (`seen` holds them too): `links`, Py_None (borrowed)
 * to decline, or NULL on error. */
static PyObject *collect_links(const Py_UCS4 *s, Py_ssize_t n, Py_UCS4 *scratch, PyObject *links, PyObject *seen) {
    Py_ssize_t gt = -1;
    Py_ssize_t i = 0;
    while (i + 2 < n) { /* _ANCHOR.findall: <a\s([^>]*)> */
        if (!(s[i] == '<' && (s[i + 1] == 'a' || s[i + 1] == 'A') && is_ascii_space(s[i + 2]))) {
            i++;
            continue;
        }
        Py_ssize_t end = next_gt(s, n, i + 3, &gt);
        if (end >= n) {
            break; /* no ">" after it, nor after any later one */
        }
        const Py_UCS4 *attributes = s + i + 3;
        Py_ssize_t length = end - (i + 3), start, stop;
        i = end + 1;
        if (contains_word(attributes, length, "mention\"") || contains_word(attributes, length, "\"mention ")) {
            continue; /* class="u-url mention" (a mention) or class="mention hashtag" */
        }
        if (!find_href(attributes, length, &start, &stop) || stop == start) {
            continue;
        }
        Text target = {scratch, stop - start};
        memcpy(scratch, attributes + start, (stop - start) * sizeof(Py_UCS4));
        if (!unescape(&target)) {
            return Py_None; /* borrowed: the caller takes a reference */
        }
        PyObject *link = as_str(&target);
        if (link == NULL) {
            return NULL;
        }
        int known = PySet_Contains(seen, link);
        if (known < 0 || (!known && (PySet_Add(seen, link) < 0 || PyList_Append(links, link) < 0))) {
            Py_DECREF(link);
            return NULL;
        }
        Py_DECREF(link);
    }
    return links;
}


/* _html.mastodon_html_links: the href targets of the anchors that are not mentions or hashtags,
 * in order, without repeats. Returns a new list, Py_None (a target holds an entity this file
 * does not decode: the caller declines), or NULL on error. `scratch` holds n characters. */
static PyObject *mastodon_links(const Py_UCS4 *s, Py_ssize_t n, Py_UCS4 *scratch) {
    PyObject *links = PyList_New(0);
    if (links == NULL || !contains_word(s, n, "<a")) {
        return links;
    }
    Py_ssize_t anchors = count_word(s, n, "<a ");
    if (anchors && anchors == count_word(s, n, "class=\"u-url mention\"") + count_word(s, n, "class=\"mention hashtag\"")) {
        return links; /* the usual case: every anchor is a mention or a hashtag */
    }
    PyObject *seen = PySet_New(NULL); /* a set, as the reference's dict: thousands of links stay linear */
    if (seen == NULL) {
        Py_DECREF(links);
        return NULL;
    }
    PyObject *result = collect_links(s, n, scratch, links, seen);
    Py_DECREF(seen);
    if (result == links) {
        return links;
    }
    Py_DECREF(links);
    return result == NULL ? NULL : Py_NewRef(Py_None);
}

/* The markup as UCS4 in `buffer` (3n+3 characters: the markup, then room for two texts). */
static Py_UCS4 *as_ucs4(PyObject *markup, Py_ssize_t n, Py_UCS4 *stack, Py_ssize_t stack_size) {
    Py_UCS4 *buffer = 3 * n + 3 <= stack_size ? stack : PyMem_Malloc((3 * n + 3) * sizeof(Py_UCS4));
    if (buffer == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (PyUnicode_AsUCS4(markup, buffer, n + 1, 0) == NULL) {
        if (buffer != stack) {
            PyMem_Free(buffer);
        }
        return NULL;
    }
    return buffer;
}

#define STACK_CHARS 3072

/* (text, links) for mastodon_content, from the converted text; None to decline, NULL on error. */
static PyObject *text_and_links(const Text *out, const Py_UCS4 *s, Py_ssize_t n, Py_UCS4 *scratch) {
    PyObject *text = as_str(out);
    if (text == NULL) {
        return NULL;
    }
    PyObject *links = mastodon_links(s, n, scratch);
    if (links == NULL || links == Py_None) {
        Py_DECREF(text);
        return links;
    }
    PyObject *both = PyTuple_Pack(2, text, links);
    Py_DECREF(text);
    Py_DECREF(links);
    return both;
}

/* html_to_text(markup), or with `links` mastodon_content(markup): None to decline. */
static PyObject *convert_markup(PyObject *markup, int links) {
    if (!PyUnicode_Check(markup)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(markup);
    Py_UCS4 stack[STACK_CHARS];
    Py_UCS4 *buffer = as_ucs4(markup, n, stack, STACK_CHARS);
    if (buffer == NULL) {
        return NULL;
    }
    Text out = {buffer + n + 1, 0};
    Text scratch = {buffer + 2 * n + 2, 0};
    PyObject *result;
    if (!convert(buffer, n, &out, &scratch)) {
        result = Py_NewRef(Py_None);
    } else if (links) {
        result = text_and_links(&out, buffer, n, scratch.chars);
    } else {
        result = as_str(&out);
    }
    if (buffer != stack) {
        PyMem_Free(buffer);
    }
    return result;
}

static PyObject *html_to_text(PyObject *module, PyObject *markup) { return convert_markup(markup, 0); }

/* mastodon_content(markup) -> (text, links) | None: html_to_text and mastodon_html_links of
 * the same content in one call, or None when either would need the Python reference. */
static PyObject *mastodon_content(PyObject *module, PyObject *markup) { return convert_markup(markup, 1); }

static PyMethodDef methods[] = {
    {"mastodon_content", mastodon_content, METH_O,
     "mastodon_content(markup, /)\n--\n\n(html_to_text(markup), mastodon_html_links(markup)) as _html's Python\n"
     "reference gives them, or None when this fast path does not handle the fragment."},
    {"html_to_text", html_to_text, METH_O,
     "html_to_text(markup, /)\n--\n\nThe plain text of an HTML fragment, as _html._html_to_text_python gives it,\n"
     "or None when this fast path does not handle the fragment."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "grapevine.sources._htmltext", "A C fast path for grapevine.sources._html.", -1, methods,
};

PyMODINIT_FUNC PyInit__htmltext(void) { return PyModule_Create(&module); }
