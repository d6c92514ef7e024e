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
 * tests/sources/test_htmltext.py checks both agree on generated fragments and on every HTML
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

/* Case-insensitive ASCII match of `word` at t[i:]. */
static int matches_word(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++) {
        if (i >= n || ascii_lower(t[i]) != (Py_UCS4)*word) {
            return 0;
        }
    }
    return 1;
}

/* Length of the block tag name at t[i:] ("p", "br", ... as _BLOCK_START's alternation, followed
 * by a regex word boundary), or 0. */
static Py_ssize_t block_name(const Py_UCS4 *t, Py_ssize_t n, Py_ssize_t i) {
    static const char *names[] = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr", NULL};
    for (const char **name = names; *name; name++) {
        Py_ssize_t len = (Py_ssize_t)strlen(*name);
        if (matches_word(t, n, i, *name)) {
            Py_ssize_t after = i + len;
            if (after < n) {
                Py_UCS4 c = t[after];
                if (c == '_' || Py_UNICODE_ISALNUM(c)) {
                    continue; /* no word boundary: "<pre>" is not "<p" */
                }
            }
            return len;
        }
    }
    return 0;
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
            const char *name = entities[e].name;
            Py_ssize_t len = (Py_ssize_t)strlen(name), k = 0;
            while (k < len && i + k < n && t[i + k] == (Py_UCS4)name[k]) {
                k++;
            }
            if (k == len) {
                t[w++] = entities[e].value;
                i += len;
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
        if (c == '!' || c == '?' || matches_word(t, n, i + 1, "script") || matches_word(t, n, i + 1, "style")) {
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

static PyObject *html_to_text(PyObject *module, PyObject *markup) {
    if (!PyUnicode_Check(markup)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(markup);
    Py_UCS4 *buffer = PyMem_Malloc((3 * n + 3) * sizeof(Py_UCS4));
    if (buffer == NULL) {
        return PyErr_NoMemory();
    }
    Py_UCS4 *s = buffer;
    if (PyUnicode_AsUCS4(markup, s, n + 1, 0) == NULL) {
        PyMem_Free(buffer);
        return NULL;
    }
    Text out = {buffer + n + 1, 0};
    Text scratch = {buffer + 2 * n + 2, 0};
    PyObject *result;
    if (convert(s, n, &out, &scratch)) {
        result = as_str(&out);
    } else {
        result = Py_NewRef(Py_None);
    }
    PyMem_Free(buffer);
    return result;
}

static PyMethodDef methods[] = {
    {"html_to_text", html_to_text, METH_O,
     "html_to_text(markup, /)\n--\n\nThe plain text of an HTML fragment, as _html._html_to_text_python gives it,\n"
     "or None when this fast path does not handle the fragment."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "grapevine.sources._htmltext", "A C fast path for grapevine.sources._html.", -1, methods,
};

PyMODINIT_FUNC PyInit__htmltext(void) { return PyModule_Create(&module); }
